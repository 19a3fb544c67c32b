"""Fonts for figures in a language whose script matplotlib's own font (DejaVu Sans) lacks.

Japanese glyphs come from IPAexGothic, which the optional package matplotlib-fontja ships (the extra
``ja``), so a fresh machine needs no system fonts. Its font file is registered with matplotlib's font
manager without importing that package: the import would switch every later figure of the process
to its font. Figures are drawn inside ``figure_language(lang)``, which lists the language's font
first and DejaVu Sans after it, for the few symbols the first one lacks.

Nothing here imports matplotlib until a figure is drawn, so the CLI can refuse a language cheaply.
"""
from __future__ import annotations

import contextlib
import importlib.util
from pathlib import Path

# language -> (module that ships the font, font file inside it, family name, modules tables need)
FONTS = {"ja": ("matplotlib_fontja", "fonts/ipaexg.ttf", "IPAexGothic", ("wcwidth",))}
EXTRA_INSTALL = {"ja": 'pip install -e ".[ja]"'}
FALLBACK = "DejaVu Sans"  # matplotlib's own font


def missing_support(lang: str) -> str | None:
    """One line saying how to install what figures and tables in lang need, or None when all is there.
    (wcwidth: table columns padded by display width, two columns for a Japanese character.)"""
    if lang not in FONTS:
        return None
    module, _, _, extra = FONTS[lang]
    absent = [m for m in (module, *extra) if importlib.util.find_spec(m) is None]
    if not absent:
        return None
    return (f"--lang {lang} needs the optional extra {lang!r} ({', '.join(absent)} missing): "
            f"{EXTRA_INSTALL[lang]}")


def _font_file(lang: str) -> Path:
    module, relative, _, _ = FONTS[lang]
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(missing_support(lang) or f"{module} not found")
    return Path(list(spec.submodule_search_locations)[0]) / relative


@contextlib.contextmanager
def figure_language(lang: str):
    """Draw figures whose text is in lang: its font first in the family list (English: unchanged)."""
    if lang not in FONTS:
        yield
        return
    import matplotlib
    from matplotlib import font_manager
    family = FONTS[lang][2]
    if family not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(_font_file(lang)))
    with matplotlib.rc_context({"font.family": [family, FALLBACK]}):
        yield

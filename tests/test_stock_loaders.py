"""Stock CSV loaders: the three formats as their sources write them, cleaning, and every
malformed file refused with one line naming the file and the problem."""
import gzip

import numpy as np
import pytest

from sequences import SequenceError
from sequences.stock import MARKETS, between, detect_format, load_stock_csv, market_path
from stock_files import KABU_HEADER, YAHOO_HEADER, fred, kabuoji3, walk, yahoo


def test_yahoo_iso_with_null_holidays(tmp_path):
    p = walk(40)
    s = load_stock_csv(yahoo(tmp_path / "y.csv", p, holidays=(3, 17)))
    assert s.meta["format"] == "yahoo" and s.meta["column"] == "Adj Close"
    assert s.meta["missing_dropped"] == 2
    np.testing.assert_allclose(s.values, np.delete(p, [3, 17]))
    assert np.all(np.diff(s.index) > np.timedelta64(0, "D"))


def test_yahoo_us_dates_crlf(tmp_path):
    p = walk(30, seed=1)
    s = load_stock_csv(yahoo(tmp_path / "y.csv", p, us_dates=True, newline="\r\n"))
    np.testing.assert_allclose(s.values, p)
    assert str(s.index[0]) == "2019-01-01" and s.meta["first"] == "2019-01-01"


def test_yahoo_close_column_by_name(tmp_path):
    f = tmp_path / "y.csv"
    f.write_text(f"{YAHOO_HEADER}\n2019-01-02,1,2,0.5,10,9,100\n2019-01-03,1,2,0.5,11,9.9,100\n")
    assert load_stock_csv(f).values.tolist() == [9, 9.9]  # default: the adjusted close
    assert load_stock_csv(f, "close").values.tolist() == [10, 11]
    assert load_stock_csv(f, "Open").values.tolist() == [1, 1]


def test_kabuoji3_cp932_title_quoted(tmp_path):
    p = walk(25, seed=2, start=20000)
    f = kabuoji3(tmp_path / "1321_2019.csv", p)
    assert "日付".encode("cp932") in f.read_bytes()  # really Shift-JIS on disk
    s = load_stock_csv(f)
    assert s.meta["format"] == "kabuoji3" and s.meta["encoding"] == "cp932"
    assert s.meta["column"] == "終値調整値"
    np.testing.assert_allclose(s.values, np.round(p))
    np.testing.assert_allclose(load_stock_csv(f, "close").values, np.round(p))  # English alias of 終値
    assert load_stock_csv(f, "終値").meta["column"] == "終値"


def test_kabuoji3_resaved_as_utf8(tmp_path):
    s = load_stock_csv(kabuoji3(tmp_path / "k.csv", walk(10), encoding="utf-8-sig"))
    assert s.meta["format"] == "kabuoji3" and len(s.values) == 10


@pytest.mark.parametrize("date_col", ["DATE", "observation_date"])
def test_fred_dot_missing(tmp_path, date_col):
    p = walk(30, seed=3)
    s = load_stock_csv(fred(tmp_path / "SP500.csv", p, missing=(0, 9), date_col=date_col))
    assert s.meta["format"] == "fred" and s.meta["column"] == "SP500" and s.meta["missing_dropped"] == 2
    np.testing.assert_allclose(s.values, np.round(np.delete(p, [0, 9]), 2))


def test_gzip_and_thousands_separators(tmp_path):
    f = tmp_path / "k.csv.gz"
    body = f'"t"\r\n{",".join(KABU_HEADER)}\r\n"2019/01/04","1","1","1","19,950.5","1","19,950.5"\r\n'
    f.write_bytes(gzip.compress(body.encode("cp932")))
    assert load_stock_csv(f).values.tolist() == [19950.5]


def test_unsorted_and_duplicate_dates_are_handled_and_counted(tmp_path):
    f = tmp_path / "y.csv"
    rows = ["2019-01-04,1,1,1,4,4,1", "2019-01-02,1,1,1,2,2,1", "2019-01-03,1,1,1,3,3,1",
            "2019-01-03,1,1,1,3,3,1", "2019-01-04,1,1,1,5,5,1"]
    f.write_text(YAHOO_HEADER + "\n" + "\n".join(rows) + "\n")
    s = load_stock_csv(f)
    assert [str(d) for d in s.index] == ["2019-01-02", "2019-01-03", "2019-01-04"]
    assert s.values.tolist() == [2, 3, 5]  # the later row of 2019-01-04 is kept
    assert s.meta["reordered"] and s.meta["duplicates_dropped"] == 2 and s.meta["conflicting_dates"] == 1


def test_detect_format():
    assert detect_format(YAHOO_HEADER.split(",")) == "yahoo"
    assert detect_format(list(KABU_HEADER)) == "kabuoji3"
    assert detect_format(["DATE", "DGS10"]) == "fred"
    assert detect_format(["\ufeffDate", "Close"]) == "yahoo"
    assert detect_format(["when", "price"]) is None


@pytest.mark.parametrize("market", MARKETS)
def test_default_markets_are_the_arch_data(market):
    """Read through this loader without importing arch, each equals arch.data.<market>.load()."""
    import importlib
    s = load_stock_csv(market_path(market))
    ref = importlib.import_module(f"arch.data.{market}").load()
    np.testing.assert_array_equal(s.values, ref["Adj Close"].to_numpy())
    np.testing.assert_array_equal(s.index, ref.index.to_numpy().astype("datetime64[D]"))
    part = between(s, "2012-01-01", "2018-12-31")
    assert len(part.values) == 1760 and part.meta["first"] == "2012-01-03"


def test_unknown_market_lists_the_known_ones():
    with pytest.raises(SequenceError, match="unknown market 'nikkei'; choose from sp500, nasdaq"):
        market_path("nikkei")


Y = YAHOO_HEADER + "\n"
GOOD_ROW = "2019-01-02,1,1,1,10,10,5\n"


def _bytes(name: str, data: bytes):
    def make(d):
        f = d / name
        f.write_bytes(data)
        return f
    return make


def _text(body: str, name: str = "bad.csv"):
    return _bytes(name, body.encode("utf-8"))


MALFORMED = {
    "missing file": (lambda d: d / "nope.csv", "file not found"),
    "directory": (lambda d: d, "is a directory"),
    "empty": (_text(""), "empty file"),
    "whitespace only": (_text("\n \r\n\t\n"), "empty file"),
    "header only (yahoo)": (_text(Y), "a header but no data rows"),
    "header only (kabuoji3)": (_bytes("k.csv", f"title\r\n{','.join(KABU_HEADER)}\r\n".encode("cp932")),
                               "a header but no data rows"),
    "header only (fred)": (_text("DATE,SP500\n"), "a header but no data rows"),
    "no close column": (_text("Date,Open,High,Low,Volume\n2019-01-02,1,1,1,5\n"), "no close column"),
    "no close column (kabuoji3)": (_bytes("k.csv", "t\n日付,始値,出来高\n2019-01-02,1,5\n".encode("cp932")),
                                   "no close column"),
    "non-numeric": (_text(Y + GOOD_ROW + "2019-01-03,1,1,1,abc,abc,5\n"), "line 3: Adj Close is not a number: 'abc'"),
    "all missing (null)": (_text(Y + "2019-01-02,null,null,null,null,null,null\n" * 3), "all 3 rows are missing"),
    "all missing (fred .)": (_text("DATE,SP500\n2019-01-01,.\n2019-01-02,.\n"), "all 2 rows are missing"),
    "infinite price": (_text(Y + GOOD_ROW + "2019-01-03,1,1,1,inf,inf,5\n"), "is not finite"),
    "negative price": (_text(Y + GOOD_ROW + "2019-01-03,1,1,1,-3,-3,5\n"), "prices must be positive"),
    "zero price": (_text("DATE,X\n2019-01-01,0\n"), "prices must be positive"),
    "bad date": (_text(Y + "2019-13-45,1,1,1,10,10,5\n"), "line 2: bad date '2019-13-45'"),
    "truncated row": (_text(Y + GOOD_ROW + "2019-01-03,1,1\n"), "line 3: 3 fields, the header has 7"),
    "unrecognised header": (_text("when,price\n2019-01-02,1\n"), "unrecognised header 'when,price'"),
    "title before a yahoo header": (_text("my prices\n" + Y + GOOD_ROW), "unrecognised header 'my prices'"),
    "utf-16": (_bytes("u.csv", (Y + GOOD_ROW).encode("utf-16")), "UTF-16 text"),
    "utf-16 without BOM": (_bytes("u.csv", (Y + GOOD_ROW).encode("utf-16-le")), "UTF-16 text"),
    "euc-jp kabuoji3": (_bytes("k.csv", f"t\n{','.join(KABU_HEADER)}\n".encode("euc_jp")), "not UTF-8 or cp932"),
    "iso-2022-jp kabuoji3": (_bytes("k.csv", f"{','.join(KABU_HEADER)}\n".encode("iso2022_jp")), "mis-encoded"),
    "binary garbage": (_bytes("g.csv", bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8))),
                       "binary data"),
    "undecodable bytes": (_bytes("g.csv", b"Date,Close\n2019-01-02,\x80\x81\xff\n"), "not UTF-8 or cp932"),
    "corrupt gzip": (_bytes("g.csv.gz", gzip.compress((Y + GOOD_ROW).encode())[:20]), "corrupt gzip"),
    "unknown column": (_text(Y + GOOD_ROW), "no column 'Price'"),
    "unbalanced quote": (_text('DATE,X\n2019-01-01,"5\n2019-01-02,6\n'), "line"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_file_is_one_line_naming_it(tmp_path, case):
    make, needle = MALFORMED[case]
    path = make(tmp_path)
    with pytest.raises(SequenceError) as e:
        load_stock_csv(path, "Price" if case == "unknown column" else None)
    msg = str(e.value)
    assert msg.startswith(f"{path}: ") and needle in msg
    assert "\n" not in msg and "\r" not in msg

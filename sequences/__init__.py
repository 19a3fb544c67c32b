"""Sequence generators and loaders: pure numpy, no torch.

Every generator takes its parameters and, where it is random, an ``np.random.Generator``;
it returns a :class:`Series` holding the values and what they mean.
"""
from sequences.series import Series, SequenceError

__all__ = ["Series", "SequenceError"]

"""Validation of the config dataclasses, in library words.

A config's `validate()` raises ConfigError naming the field ("iters=0 must be
positive"); the entry points turn that into flag wording ("--iters=0 ...") in
cli.from_flags, so library errors never speak of flags. Numpy-free, TF-free: the
bottom layer.
"""

from typing import Sequence


class ConfigError(ValueError):
  """A config field holds a value it cannot take."""

  def __init__(self, field: str, value, reason: str):
    self.field, self.value, self.reason = field, value, reason
    super().__init__(f'{field}={value!r} {reason}')


def check_choice(field: str, value, choices: Sequence[str]) -> None:
  if value not in choices:
    raise ConfigError(field, value, f'is not valid; choose one of {", ".join(choices)}')


def check_positive(field: str, value) -> None:
  if value is None or value <= 0:
    raise ConfigError(field, value, 'must be positive')


def choice(cfg, field: str, choices: Sequence[str]) -> None:
  check_choice(field, getattr(cfg, field), choices)


def positive(cfg, *fields: str) -> None:
  for field in fields:
    check_positive(field, getattr(cfg, field))


def non_negative(cfg, *fields: str) -> None:
  for field in fields:
    value = getattr(cfg, field)
    if value < 0:
      raise ConfigError(field, value, 'must not be negative')


def within(cfg, field: str, low: float, high: float) -> None:
  value = getattr(cfg, field)
  if not low <= value <= high:
    raise ConfigError(field, value, f'must be in [{low}, {high}]')

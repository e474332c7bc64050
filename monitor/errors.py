"""Errors that end the reading of one input with a one-line reason (exit status 2)."""


class InputError(Exception):
    """The input could not be read (empty, binary garbage, unsupported, too large)."""


class NotAReport(InputError):
    """The input was read, but it is not an annual report on government information disclosure."""

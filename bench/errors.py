"""The one exception a user's mistake becomes: printed as one line, exit status 1."""


class UserError(Exception):
    """A bad name, value, file or environment the user can fix; never shown as a traceback."""

"""The base of every error a user can cause; the CLI prints its message as one line."""


class UserError(ValueError):
    """Bad input from the user (a file, a name, an option); ``str(err)`` is the whole message."""

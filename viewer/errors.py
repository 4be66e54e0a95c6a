"""The error every command and window shows as one line: something the user can act on."""


class CommandError(Exception):
    """A command or action that cannot go on; its message is the one line the user sees."""

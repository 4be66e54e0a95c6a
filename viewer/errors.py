"""The error every command and window shows as one line: something the user can act on."""


class CommandError(Exception):
    """A command or action that cannot go on; its message is the one line the user sees."""

    exit_code = 1


class UsageError(CommandError):
    """A command given input it cannot use (a bad option value, a file it may not write): exit code 2."""

    exit_code = 2

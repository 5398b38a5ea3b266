"""A base for management commands that print what data says: titles, names, file names."""

import sys

from django.core.management.base import BaseCommand, OutputWrapper

from confnotes.text import printable


class EscapedOutput(OutputWrapper):
    """An OutputWrapper that shows control characters as escapes ("\\x1b"), before any
    style adds its own."""

    def write(self, msg="", style_func=None, ending=None):
        super().write(printable(msg), style_func, ending)


class ReportingCommand(BaseCommand):
    """A command whose messages quote imported or stored data: everything it writes to
    stdout and stderr (its CommandError included) goes through printable(), so a
    hostile title cannot drive the operator's terminal. Style with `write(msg,
    style_func)`, not `self.style.X(msg)`, whose codes would be escaped too.

    A command that prints a document on stdout sets `data_on_stdout`: only its stderr
    is escaped then."""

    data_on_stdout = False

    def __init__(self, stdout=None, stderr=None, no_color=False, force_color=False):
        super().__init__(stdout, stderr, no_color, force_color)
        if not self.data_on_stdout:
            self.stdout = EscapedOutput(stdout or sys.stdout)
        style_func = self.stderr.style_func
        self.stderr = EscapedOutput(stderr or sys.stderr)
        self.stderr.style_func = style_func

    def execute(self, *args, **options):
        # Streams given to call_command() are wrapped here, not by BaseCommand.
        if options.get("stdout") and not self.data_on_stdout:
            self.stdout = EscapedOutput(options.pop("stdout"))
        if options.get("stderr"):
            self.stderr = EscapedOutput(options.pop("stderr"))
        return super().execute(*args, **options)

"""A bounded render for the stage templates staff edit in the admin: `render_limited(...)`.

A stage template is Django template language typed into a form, rendered for the live preview (in
the web process) and for every reminder (in django-q2 workers and management commands). Left
alone, a few nested `{% for %}` loops over string literals run for seconds or minutes, and a filter
such as `ljust:"999999999"` builds a gigabyte in one call. Signals (SIGALRM) only work in a
process's main thread and threads cannot be killed, so the limit is cooperative and works the same
in any process and thread:

- the source may be at most MAX_SOURCE_CHARS long;
- it renders on an engine of its own whose `for` tag counts every iteration and the text it has
  produced (the budget lives in a ContextVar, so concurrent renders in threads never mix), and
  stops once the render is past MAX_SECONDS, MAX_ITERATIONS or MAX_OUTPUT_CHARS;
- the filters that make a lot of text from a small argument (`ljust`, `rjust`, `center`,
  `stringformat`, `floatformat`) refuse widths and precisions above MAX_WIDTH; `lorem` is refused;
- the finished text may be at most MAX_OUTPUT_CHARS long.

Past any limit it raises `RenderLimitExceeded`, a TemplateSyntaxError: the preview shows it, and
the send path treats it like any broken template (that reminder fails with the reason; the run goes
on). This module is also the engine's template library (the overriding tag and filters).
"""

from __future__ import annotations

import re
import time
from contextvars import ContextVar
from functools import cache

from django.template import Context, Engine, Library, NodeList, TemplateSyntaxError, defaultfilters, defaulttags
from django.utils.translation import gettext as _

MAX_SOURCE_CHARS = 20_000
MAX_OUTPUT_CHARS = 200_000
MAX_SECONDS = 1.0
MAX_ITERATIONS = 20_000
MAX_WIDTH = 500

register = Library()


class RenderLimitExceeded(TemplateSyntaxError):
    """The template is too large, runs too long or makes too much text."""


class _Budget:
    def __init__(self) -> None:
        self.deadline = time.monotonic() + MAX_SECONDS
        self.iterations = 0
        self.output = 0

    def spend(self, *, iterations: int = 0, output: int = 0) -> None:
        self.iterations += iterations
        self.output += output
        if self.iterations > MAX_ITERATIONS or self.output > MAX_OUTPUT_CHARS:
            raise RenderLimitExceeded(
                _("Szablon tworzy zbyt dużo tekstu lub zbyt wiele przebiegów pętli. Uprość pętle.")
            )
        if time.monotonic() > self.deadline:
            raise RenderLimitExceeded(
                _("Szablon renderuje się dłużej niż %(s)s s. Uprość pętle.") % {"s": f"{MAX_SECONDS:g}"}
            )


# The budget of the render in progress in this thread or task (None outside `render_limited`).
_budget: ContextVar[_Budget | None] = ContextVar("render_limits_budget", default=None)


class _CountedNodeList(NodeList):
    """A loop body: every pass through it is charged to the current render's budget first."""

    def __iter__(self):
        budget = _budget.get()
        if budget is not None:
            budget.spend(iterations=1)
        return super().__iter__()


class _LimitedForNode(defaulttags.ForNode):
    def render(self, context):
        text = super().render(context)
        budget = _budget.get()
        if budget is not None:
            budget.spend(output=len(text))  # nested loops count their text at every level: conservative
        return text


@register.tag("for")
def do_for(parser, token):
    node = defaulttags.do_for(parser, token)
    return _LimitedForNode(
        node.loopvars, node.sequence, node.is_reversed, _CountedNodeList(node.nodelist_loop), node.nodelist_empty
    )


def _check_width(arg) -> None:
    if any(int(n) > MAX_WIDTH for n in re.findall(r"\d+", str(arg))):
        raise RenderLimitExceeded(
            _("Za duża szerokość lub dokładność w szablonie (najwyżej %(n)s).") % {"n": MAX_WIDTH}
        )


def _bounded(name: str) -> None:
    original = getattr(defaultfilters, name)

    def bounded(value, arg):
        _check_width(arg)
        return original(value, arg)

    register.filter(name, bounded, is_safe=True)


for _name in ("ljust", "rjust", "center", "stringformat"):
    _bounded(_name)


@register.filter(is_safe=True)
def floatformat(text, arg=-1):
    _check_width(arg)
    return defaultfilters.floatformat(text, arg)


@register.tag("lorem")
def do_lorem(parser, token):
    raise RenderLimitExceeded(_("Znacznik lorem nie jest dostępny w treści przypomnień."))


@cache
def _engine() -> Engine:
    default = Engine.get_default()
    return Engine(
        dirs=default.dirs,
        loaders=default.loaders,
        libraries=default.libraries,
        builtins=[*default.builtins, __name__],  # this module last: its tag and filters win
        string_if_invalid=default.string_if_invalid,
        debug=False,
    )


def render_limited(source: str, context: dict, *, autoescape: bool) -> str:
    """Render an admin-edited template string within the limits above.

    Raises TemplateSyntaxError on a broken template and RenderLimitExceeded (one) past a limit."""
    if len(source) > MAX_SOURCE_CHARS:
        raise RenderLimitExceeded(
            _("Szablon jest za długi: %(n)s znaków (najwyżej %(max)s).") % {"n": len(source), "max": MAX_SOURCE_CHARS}
        )
    template = _engine().from_string(source)
    budget = _Budget()
    token = _budget.set(budget)
    try:
        text = template.render(Context(context, autoescape=autoescape))
    finally:
        _budget.reset(token)
    budget.spend(output=len(text))
    return text

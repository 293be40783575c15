"""Template filters for money and dates: `{{ invoice.gross|money:invoice.currency }}`, `{{ day|pldate }}`."""

from django import template

from common import formatting

register = template.Library()


@register.filter
def money(grosze, currency="PLN"):
    return formatting.format_money(grosze, currency)


@register.filter
def pldate(value):
    return formatting.format_date(value)


@register.filter
def pldatetime(value):
    return formatting.format_datetime(value)

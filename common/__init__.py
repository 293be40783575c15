"""Helpers every layer above the InFakt client shares: the Warsaw business calendar, money and date
formatting (and the per-language format modules), the run context of log records, admin mixins.

It imports no project package, so anything from `cases` upwards may use it.
"""

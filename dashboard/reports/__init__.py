"""Overrides of Oscar's reports dashboard classes, found by ``get_class`` through the forked
dashboard (``dashboard.reports.*``); the reports app itself stays Oscar's."""

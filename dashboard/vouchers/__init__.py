"""Overrides of Oscar's vouchers dashboard classes, found by ``get_class`` through the forked
dashboard (``dashboard.vouchers.*``); the vouchers dashboard app itself stays Oscar's."""

"""Oscar's Bootstrap in the store's colours (scripts/theme_css.py): no blue left, nothing else
touched, and the committed stylesheet current for the installed Oscar."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("theme_css", ROOT / "scripts" / "theme_css.py")
theme_css = importlib.util.module_from_spec(spec)
spec.loader.exec_module(theme_css)


def test_primary_and_info_become_green_keeping_shade_order():
    primary = theme_css.themed(0, 123, 255)
    hover = theme_css.themed(0, 104.55, 216.75)
    tint = theme_css.themed(178.5, 215.4, 255)
    assert primary == (0x2F, 0x6B, 0x3A)
    assert sum(hover) < sum(primary) < sum(tint)  # darker stays darker, lighter lighter
    for r, g, b in (primary, hover, tint, theme_css.themed(0x17, 0xA2, 0xB8)):
        assert g > b and g > r  # green


def test_other_colours_are_left_alone():
    for colour in ((220, 53, 69), (40, 167, 69), (108, 117, 125), (255, 255, 255), (255, 193, 7)):
        assert theme_css.themed(*colour) is None


def test_build_rewrites_every_form_and_the_font_paths():
    css = theme_css.build(
        ".a{color:#007bff}.b{color:#17a2b8}.c{box-shadow:0 0 0 .2rem rgba(0, 123, 255, 0.5)}"
        '.d{color:#dc3545}@font-face{src:url("../webfonts/fa-solid-900.woff2")}'
    )
    assert "#007bff" not in css and "#17a2b8" not in css and "0, 123, 255" not in css
    assert "rgba(47, 107, 58, 0.5)" in css and "#dc3545" in css
    assert 'url("../../oscar/webfonts/fa-solid-900.woff2")' in css


def test_the_committed_stylesheet_is_current():
    assert theme_css.main(["--check"]) == 0, "run scripts/theme_css.py after upgrading Oscar"
    assert "#007bff" not in (ROOT / "static/jingmeng/css/oscar-theme.css").read_text()


def test_minifying_keeps_every_selector_and_value():
    css = (
        '/* note */\n.a :hover ,\n.b > .c {\n  color : red ;\n  content: "— ";\n}\n/*! licence */\n'
    )
    assert (
        theme_css.minify(css) == '.a :hover , .b > .c{color : red;content: "— ";}/*! licence */\n'
    )

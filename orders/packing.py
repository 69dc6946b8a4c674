"""Packing lists and address labels as PDF (reportlab), Chinese text in an embedded CJK font.

The font is Debian's WenQuanYi Micro Hei (fonts-wqy-microhei, installed by the project's
scripts/system-deps.sh), embedded as a TrueType subset so the PDF reads the same everywhere.
"""

import io
from collections import OrderedDict
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

FONT = "JingmengCJK"


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        path = settings.CJK_FONT_PATH
        if path is None:
            raise RuntimeError("No CJK font: install fonts-wqy-microhei (scripts/system-deps.sh)")
        pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
    return FONT


def group_by_order(lines):
    orders = OrderedDict()
    for line in lines:
        orders.setdefault(line.order_id, {"order": line.order, "lines": []})["lines"].append(line)
    return list(orders.values())


def packing_list_pdf(cooperative_name: str, day, lines) -> bytes:
    font = _font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22)
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14)
    big = ParagraphStyle("big", fontName=font, fontSize=13, leading=18)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        title=f"{cooperative_name} 拣货单 {day}",
    )
    grouped = group_by_order(lines)
    story = [
        Paragraph(f"{escape(cooperative_name)} · 拣货单 · {day:%Y-%m-%d}", title),
        Paragraph(f"共 {len(grouped)} 个订单，生成于 {timezone.localtime():%Y-%m-%d %H:%M}", body),
        Spacer(1, 4 * mm),
    ]
    totals = OrderedDict()
    for line in lines:
        key = (line.title, line.product.specification if line.product_id else "")
        totals[key] = totals.get(key, 0) + line.quantity
    pick = [["商品", "规格", "数量"]] + [[t, s, str(q)] for (t, s), q in totals.items()]
    story.append(_table(pick, font, [100 * mm, 50 * mm, 25 * mm]))
    story.append(Spacer(1, 6 * mm))
    for group in grouped:
        order, address = group["order"], group["order"].shipping_address
        rows = [["订单 " + order.number, "货号", "数量"]]
        rows += [[line.title, line.partner_sku, f"× {line.quantity}"] for line in group["lines"]]
        held = sum(getattr(line, "held", 0) for line in group["lines"])
        if held:  # units in an open refund case (the view sets ``line.held``)
            rows.append([f"【售后中】买家申请退款 {held} 件，请先处理售后", "", ""])
        story.append(
            KeepTogether(
                [
                    _table(rows, font, [100 * mm, 50 * mm, 25 * mm]),
                    Paragraph(_recipient(address), body),
                    Spacer(1, 4 * mm),
                ]
            )
        )
    story.append(PageBreak())
    story.append(Paragraph("地址标签", title))
    labels = [
        Paragraph(
            f"{_recipient(group['order'].shipping_address)}<br/>订单 {group['order'].number}", big
        )
        for group in grouped
    ]
    cells = [
        labels[i : i + 2] + [""] * (2 - len(labels[i : i + 2])) for i in range(0, len(labels), 2)
    ]
    if cells:
        grid = Table(cells, colWidths=[90 * mm, 90 * mm], rowHeights=45 * mm)
        grid.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("INNERGRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        story.append(grid)
    doc.build(story)
    return buffer.getvalue()


def _recipient(address) -> str:
    """Recipient, mobile, and the address largest unit first (escaped for reportlab's markup)."""
    if address is None:
        return "（无收货地址）"
    phone = address.phone_number.as_national if address.phone_number else ""
    where = " ".join(f for f in address.active_address_fields() if f != address.salutation)
    return f"收货人：{escape(address.first_name)} {escape(phone)}<br/>{escape(where)}"


def _table(rows, font, widths):
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 10),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3ea")),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
            ]
        )
    )
    return table

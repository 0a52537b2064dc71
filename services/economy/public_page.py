"""The residents' page of a community's disclosures (三务公开栏), in Chinese: plain HTML, no script, every
text escaped. Each disclosure shows the figures as published; each correction below it, with its reason."""

from __future__ import annotations

from html import escape
from typing import Any

SOURCES = {"rent": "租金", "tax_rebate": "税收返还", "land_compensation": "土地收储补偿", "community_company": "社区企业上缴",
           "other": "其他"}
CATEGORIES = {"maintenance": "维修", "staff": "人员经费", "public_services": "公共服务", "welfare": "福利",
              "interest": "利息", "other": "其他"}
ROWS = [("income", "本月收入"), ("expenses", "本月支出"), ("net_income", "本月收支结余"),
        ("debt_incurred", "本月新增债务"), ("debt_repaid", "本月偿还债务"), ("debt_outstanding", "月末债务余额"),
        ("distributions_declared", "本月宣布分配"), ("distributions_paid", "本月兑现分配"),
        ("distributions_owed", "月末未兑现分配"), ("rent_billed", "本月应收租金"), ("rent_received", "本月实收租金"),
        ("rent_outstanding", "月末欠租"), ("monthly_rent_running", "在租合同月租金合计")]
STYLE = ("body{font-family:sans-serif;max-width:46rem;margin:1rem auto;padding:0 1rem;color:#222}"
         "table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.3rem .5rem}th{text-align:left;font-weight:normal}"
         "td.n{text-align:right;font-variant-numeric:tabular-nums}.correction{border-left:4px solid #d2463c;"
         "padding-left:.8rem;margin:.8rem 0}")


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f} 元"


def _table(figures: dict[str, Any], marker: str) -> str:
    rows = [(label, yuan(figures.get(key, 0)), key) for key, label in ROWS]
    rows[1:1] = [(f"　其中：{SOURCES.get(k, k)}", yuan(v), f"income_by_source.{k}")
                 for k, v in figures.get("income_by_source", {}).items()]
    at = next(i for i, row in enumerate(rows) if row[2] == "expenses") + 1
    rows[at:at] = [(f"　其中：{CATEGORIES.get(k, k)}", yuan(v), f"expenses_by_category.{k}")
                   for k, v in figures.get("expenses_by_category", {}).items()]
    rows.append(("月末在租合同", f"{figures.get('leases_running', 0)} 份", "leases_running"))
    body = "".join(f'<tr><th scope="row">{escape(label)}</th><td class="n" data-figure="{marker}.{escape(key)}">'
                   f"{escape(value)}</td></tr>" for label, value, key in rows)
    return f"<table>{body}</table>"


def disclosures_page(community_name: str, view: dict[str, Any]) -> str:
    sections = []
    for d in view["disclosures"]:
        month = escape(d["month"])
        corrections = "".join(
            f'<div class="correction" data-correction="{c["correction_number"]}"><h3>更正（第{c["correction_number"]}次，'
            f'{escape(str(c["corrected_on"]))}）</h3><p>更正原因：{escape(c["reason"])}</p>'
            f'{_table(c["figures"], month + ".correction" + str(c["correction_number"]))}</div>'
            for c in d["corrections"])
        sections.append(f'<section data-disclosure="{escape(d["disclosure_id"])}" data-month="{month}">'
                        f"<h2>{month} 月度公开（{escape(str(d['published_on']))} 公布）</h2>"
                        f"{_table(d['figures'], month)}{corrections}</section>")
    body = "".join(sections) or "<p>尚未公布。</p>"
    title = f"{escape(community_name)} 三务公开 · 集体财务"
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width,initial-scale=1"><title>{title}</title><style>{STYLE}</style></head>'
            f"<body><h1>{title}</h1><p>以下数据由社区集体账目生成，公布后不再修改；如有更正，另行公布并列于原公开之下。</p>"
            f"{body}</body></html>")

"""Peer for scripts/bench-invoicing.sh: the same invoices (N OBs x L usage lines, 5 sheets, number
formats, frozen headers) priced with decimal.Decimal and written with openpyxl (write-only mode,
its fastest). Prints one JSON line with best/median seconds."""
import json, os, statistics, sys, tempfile, time
from decimal import Decimal, ROUND_HALF_EVEN
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

obs, lines, repeats = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
components = ["aura-nlu", "aura-asr", "aura-tts", "aura-kbqa"] + ["aura-c%d" % i for i in range(4, 20)]
PRICE = Decimal("0.0010")
CENT = Decimal("0.01")

def invoice(ob, out_dir):
    usage = [(components[i % len(components)], "app-%d" % (i // len(components)), "service-%d" % (i % 7),
              1000 + (i * 7919) % 250000) for i in range(lines)]
    requests = [("app-%d" % i, 10000 + i, 5000 + i) for i in range(max(1, lines // 20))]
    per_component = {}
    for c, _, _, q in usage:
        per_component[c] = per_component.get(c, 0) + q
    lines_out = [(c, q, (PRICE * q).quantize(CENT, rounding=ROUND_HALF_EVEN)) for c, q in sorted(per_component.items())]
    total_requests = sum(m for _, m, _ in requests)
    req_amount = (Decimal("0.0002") * total_requests).quantize(CENT, rounding=ROUND_HALF_EVEN)
    total = sum(a for _, _, a in lines_out) + req_amount
    wb = Workbook(write_only=True)
    def sheet(name, header, rows, formats):
        ws = wb.create_sheet(name)
        if header:
            ws.freeze_panes = "A2"
            ws.append(header)
        for row in rows:
            cells = []
            for value, fmt in zip(row, formats):
                cell = WriteOnlyCell(ws, value=float(value) if isinstance(value, Decimal) else value)
                if fmt: cell.number_format = fmt
                cells.append(cell)
            ws.append(cells)
    summary = [("OB", ob), ("Country", ob), ("Period", "2026-10"), ("Currency", "EUR"), ("Invoicing model", "x"),
               ("Total requests", total_requests), ("Total queries", sum(q for *_, q in usage)),
               ("Components", sum(a for *_, a in lines_out)), ("Requests", req_amount), ("Monthly fee", Decimal(0)),
               ("Adjustments", Decimal(0)), ("Minimum top-up", Decimal(0)), ("Total", total)]
    sheet("Summary", None, summary, [None, "#,##0.00"])
    sheet("Components", ["Component ID", "Component", "Queries", "Pricing", "Unit price", "Amount"],
          [(c, "Component " + c, q, "unit", PRICE, a) for c, q, a in lines_out],
          [None, None, "#,##0", None, "0.000000", "#,##0.00"])
    sheet("Usage", ["Component ID", "Component", "App ID", "App", "Service", "Queries"],
          [(c, "Component " + c, a, a, s, q) for c, a, s, q in usage], [None] * 5 + ["#,##0"])
    sheet("Requests", ["App ID", "App", "Messages", "NLP messages"], [(a, a, m, n) for a, m, n in requests],
          [None, None, "#,##0", "#,##0"])
    sheet("Adjustments", ["Original period", "Component ID", "Component", "Late queries", "Amount"], [], [])
    path = os.path.join(out_dir, "aura-invoice-%s-2026-10.xlsx" % ob)
    wb.save(path)

times = []
for _ in range(repeats):
    with tempfile.TemporaryDirectory() as d:
        start = time.perf_counter()
        for i in range(obs):
            invoice("O%02d" % i, d)
        times.append(time.perf_counter() - start)
print(json.dumps({"peer": "openpyxl", "best_s": min(times), "median_s": statistics.median(times)}))

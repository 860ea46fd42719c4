#!/usr/bin/python3
"""ranktopo html in a real browser: headless Chromium (Selenium) or Firefox (WebDriver BiDi).

For several configs, writes the page with the tool, opens it from disk in one
browser session and checks what a user sees against the tool's other
answers: the ranks highlighted for a selected rank in every family equal
`ranktopo explain --rank R --format json`; with a comparison, each
communicator's status and changed ranks equal `ranktopo diff --format json`.
Also: no console error, no network request, a screenshot that is not blank, a
model path holding a script that shows as text and raises no dialog. Prints
the interaction time at 1,024 ranks and the file size at 65,536 (figures, not
pass/fail: speed is for benchmarks, docs/performance.md keeps them).

Exits 77 (ctest's skip) with a notice when the browser, its driver or the
Python module to drive it is missing (browsers.py).
Usage: check_html.py chromium|firefox RANKTOPO_EXE WORK_DIR
"""
import json
import os
import statistics
import struct
import subprocess
import sys
import zlib

from browsers import BROWSERS, Unavailable

SKIP = 77

XSS = "</script><script>alert(1)</script>"
EXAMPLE_1024 = ["--example", "--set", "world_size=1024", "--set", "data_parallel_size=32", "--set",
                "tensor_parallel_size=16"]
# name, input arguments, the page's own arguments, ranks to select (the first
# by a click, the second by the search box, then one by the arrow key right
# from the second), diff arguments
CONFIGS = [
    ("example", ["--example"], [], [13, 6], None),
    ("deploy64_nodes16", ["--vllm-args", "serve '/models/" + XSS + "' -tp 16 -dp 4 --enable-expert-parallel",
                          "--additional-config", '{"finegrained_tp_config": {"mlp_tensor_parallel_size": 2}}'],
     ["--ranks-per-node", "16"], [37, 50], None),
    ("p_tp_replicas", ["--set", "world_size=16", "--set", "tensor_parallel_size=4", "--set", "data_parallel_size=2",
                       "--set", "is_kv_producer=true", "--set", "pd_head_ratio=2", "--set", "pd_tp_ratio=2"],
     [], [10, 5, "right"], None),
    ("compare_0.18.0", ["--example"], ["--compare-version", "0.18.0"], [9], ["--example", "--to-version", "0.18.0"]),
    ("example_1024", EXAMPLE_1024, [], [517], None),
]


def skip(why):
    print("SKIPPED: " + why + " (install scripts/packages/browser.txt to run the browser tests)")
    sys.exit(SKIP)


def tool(exe, *args, ok=(0,)):
    run = subprocess.run([exe, *args], capture_output=True, text=True)
    if run.returncode not in ok:
        raise AssertionError("ranktopo %s: exit %d\n%s" % (" ".join(args), run.returncode, run.stderr))
    return run.stdout


def png_pixels(png):
    """(width, height, distinct colours, share of non-white pixels) of an 8-bit RGB(A) PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, kind = 8, b"", 0, 0, 0
    while pos < len(png):
        length, tag = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + length]
        if tag == b"IHDR":
            width, height, depth, kind = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and kind in (2, 6), "PNG of depth %d, colour type %d" % (depth, kind)
        elif tag == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    bpp = 3 if kind == 2 else 4
    stride = width * bpp
    previous = bytearray(stride)
    colours, coloured = set(), 0
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        f, row = line[0], bytearray(line[1:])
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            b = previous[i]
            c = previous[i - bpp] if i >= bpp else 0
            if f == 1:
                row[i] = (row[i] + a) & 255
            elif f == 2:
                row[i] = (row[i] + b) & 255
            elif f == 3:
                row[i] = (row[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % 4 == 0:  # a sample of rows is enough
            for x in range(0, width, 2):
                px = bytes(row[x * bpp:x * bpp + 3])
                colours.add(px)
                coloured += px != b"\xff\xff\xff"
        previous = row
    samples = ((height + 3) // 4) * ((width + 1) // 2)
    return width, height, len(colours), coloured / samples


class Page:
    def __init__(self, browser, path):
        self.browser = browser
        browser.open("file://" + os.path.abspath(path))
        ready = browser.js("return document.body.dataset.ready")
        assert ready == "true", "the page's script did not finish (body[data-ready] is %r)" % ready

    def js(self, script, *args):
        return self.browser.js(script, *args)

    def check_clean(self, name):
        problems = self.browser.console_problems()
        assert not problems, "%s: console messages %s" % (name, problems)
        requests = self.browser.page_requests()
        assert not requests, "%s: network requests %s" % (name, requests)

    def choose_family(self, name):
        self.js("const s = document.getElementById('family'); s.value = arguments[0];"
                "s.dispatchEvent(new Event('change'));", name)

    def highlighted(self):
        return sorted(self.js("return [...document.querySelectorAll('#grid td.member')].map(td => +td.dataset.r)"))

    def selected(self):
        return self.js("return [...document.querySelectorAll('#grid td.sel')].map(td => +td.dataset.r)")


def select_rank(page, how, rank, previous):
    if how == "click":
        page.browser.click('td.c[data-r="%d"]' % rank)
    elif how == "search":
        page.browser.type_and_enter("rank-search", str(rank))
    else:  # a key press from the previous rank
        page.browser.press_right("grid")
        rank = previous + 1
    assert page.selected() == [rank], "selecting %d by %s selected %s" % (rank, how, page.selected())
    return rank


def check_rank(exe, page, name, args, rank):
    """Every family's highlighted ranks and panel row against `ranktopo explain`."""
    explained = json.loads(tool(exe, "explain", *args, "--rank", str(rank), "--format", "json"))
    offered = page.js("return [...document.querySelectorAll('#family option')].map(o => o.value)")
    assert offered == [f["name"] for f in explained["families"]], "%s: families %s" % (name, offered)
    rows = page.js("return [...document.querySelectorAll('#rank-table tbody tr')]"
                   ".map(tr => [tr.dataset.family, +tr.dataset.group, +tr.dataset.position])")
    # Each family picked as the picker does it (a change event), in one round trip.
    seen = page.js("""
const picker = document.getElementById('family'), out = {};
for (const o of picker.options) {
  picker.value = o.value;
  picker.dispatchEvent(new Event('change'));
  out[o.value] = [[...document.querySelectorAll('#grid td.member')].map(td => +td.dataset.r).sort((a, b) => a - b),
                  [...document.querySelectorAll('#grid td.sel')].map(td => +td.dataset.r)];
}
return out;""")
    for family, row in zip(explained["families"], rows):
        assert row == [family["name"], family["group"], family["position"]], \
            "%s rank %d: panel row %s, explain says %s" % (name, rank, row, family)
        got, selected = seen[family["name"]]
        assert got == sorted(family["members"]), "%s rank %d, %s: highlighted %s, explain says %s" % (
            name, rank, family["name"], got, family["members"])
        assert selected == [rank], "%s, %s: the selected cell is %s" % (name, family["name"], selected)
    coords = page.js("return document.getElementById('coords').textContent")
    c = explained["coordinates"]
    assert coords.startswith("e=%d d=%d p=%d c=%d t=%d" % (c["e"], c["d"], c["p"], c["c"], c["t"])), coords


def check_compare(exe, page, name, diff_args):
    """Each communicator's status and changed ranks against `ranktopo diff`."""
    diff = json.loads(tool(exe, "diff", *diff_args, "--format", "json", ok=(0, 1)))
    rows = page.js("return [...document.querySelectorAll('#compare-table tbody tr')]"
                   ".map(tr => [tr.dataset.name, tr.dataset.status, +tr.dataset.moved])")
    expected = [[c["name"], c["status"], c.get("ranks_changing_group", 0)] for c in diff["communicators"]]
    assert rows == expected, "%s: compare table %s, diff says %s" % (name, rows, expected)
    striped = page.js("""
const picker = document.getElementById('family'), out = {};
for (const o of picker.options) {
  picker.value = o.value;
  picker.dispatchEvent(new Event('change'));
  out[o.value] = [...document.querySelectorAll('#grid td.chg')].map(td => +td.dataset.r).sort((a, b) => a - b);
}
return out;""")
    changed = 0
    for c in diff["communicators"]:
        if "before" not in c or "after" not in c:
            continue
        assert len(striped[c["name"]]) == c["ranks_changing_group"], "%s, %s: %d striped ranks, diff counts %d" % (
            name, c["name"], len(striped[c["name"]]), c["ranks_changing_group"])
        if "example" in c:
            assert striped[c["name"]][0] == c["example"]["rank"], "%s: first changed rank" % c["name"]
        changed += c["status"] != "same"
    assert changed > 0, "%s: the comparison shows no change" % name


def check_cost(exe, page, name, args):
    """The cost section against `ranktopo cost --format json` (every rank pays alike: rank 0)."""
    cost = json.loads(tool(exe, "cost", *args, "--rank", "0", "--format", "json"))
    rows = page.js("return [...document.querySelectorAll('#cost-table tbody tr')].map("
                   "(tr) => [...tr.cells].map((td) => td.textContent))")
    expected = [[c["name"], str(c["group_size"]), str(c["hccl_buffer_mb"]), c["device_shared_with"] or ""]
                for c in cost["communicators"]]
    assert rows == expected, "%s: cost rows %s, ranktopo cost says %s" % (name, rows, expected)
    summary = page.js("return document.getElementById('cost-summary').textContent")
    for part in ("%d device communicators" % cost["device_communicators"], "%d CPU ones" % cost["cpu_communicators"],
                 "at most %d MB" % cost["hccl_memory_mb"]):
        assert part in summary, "%s: the cost summary lacks %r: %r" % (name, part, summary)


def time_interactions(page, ranks):
    """Per click (or family change): milliseconds in the page's handler, and
    from the event to the next painted frame (style, layout and paint too)."""
    script = """
const done = arguments[arguments.length - 1];
const [kind, value] = [arguments[0], arguments[1]];
const t0 = performance.now();
if (kind === 'rank') document.querySelector('td.c[data-r="' + value + '"]').click();
else { const s = document.getElementById('family'); s.value = value; s.dispatchEvent(new Event('change')); }
const handled = performance.now() - t0;
requestAnimationFrame(() => setTimeout(() => done([handled, performance.now() - t0]), 0));
"""
    clicks = [page.browser.js_async(script, "rank", r) for r in ranks]
    names = page.js("return [...document.querySelectorAll('#family option')].map(o => o.value)")
    switches = [page.browser.js_async(script, "family", n) for n in names]
    return clicks, switches


def describe_times(what, times):
    handler = [t[0] for t in times]
    frame = [t[1] for t in times]
    return "%s (%d): handler %.1f ms median, %.1f max; to the next frame %.1f ms median, %.1f max" % (
        what, len(times), statistics.median(handler), max(handler), statistics.median(frame), max(frame))


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in BROWSERS:
        sys.exit(__doc__)
    kind, exe, work = sys.argv[1:]
    try:
        browser = BROWSERS[kind]()
    except Unavailable as why:
        print("SKIPPED: %s (install scripts/packages/browser.txt to run the browser tests)" % why)
        sys.exit(SKIP)
    os.makedirs(work, exist_ok=True)
    print("%s %s" % (kind, browser.version))
    try:
        for name, args, page_args, ranks, diff_args in CONFIGS:
            path = os.path.join(work, name + ".html")
            tool(exe, "html", *args, *page_args, "-o", path)
            page = Page(browser, path)
            previous = -1
            for how, rank in zip(["click", "search", "key"], ranks):
                previous = select_rank(page, how, rank if how != "key" else previous + 1, previous)
                check_rank(exe, page, name, args, previous)
            check_cost(exe, page, name, args)
            if diff_args:
                check_compare(exe, page, name, diff_args)
            if XSS in " ".join(args):
                shown = page.js("return document.getElementById('command').textContent")
                assert XSS in shown, "%s: the model path is not shown as text: %r" % (name, shown)
                assert page.js("return document.scripts.length") == 2, "%s: a script element was injected" % name
                assert not browser.dialog_raised(), "%s: a dialog was raised" % name
            if name == "example_1024":
                clicks, switches = time_interactions(page, [0, 517, 1023, 256, 700, 33, 999, 128, 640, 3])
                print("1024 ranks: " + describe_times("select a rank", clicks))
                print("1024 ranks: " + describe_times("change family", switches))
                print("(load average %.1f on %d cores)" % (os.getloadavg()[0], os.cpu_count()))
            # The whole window kept (a picture for the docs); the drawing checked (smaller: decoded in Python).
            browser.save_screenshot(os.path.join(work, name + ".png"))
            width, height, colours, coloured = png_pixels(browser.element_png("canvas"))
            assert colours >= 8 and coloured > 0.02, "%s: the screenshot looks blank (%d colours, %.1f%% not white)" % (
                name, colours, 100 * coloured)
            page.check_clean(name)
            print("ok: %s (%d colours, %.0f%% not white)" % (name, colours, 100 * coloured))

        # 65,536 ranks: the file's size, and the aggregated page works.
        path = os.path.join(work, "ranks_65536.html")
        big = ["--set", "world_size=65536", "--set", "tensor_parallel_size=16", "--set", "data_parallel_size=4096",
               "--ranks-per-node", "16"]
        tool(exe, "html", *big, "-o", path)
        size = os.path.getsize(path)
        assert size < 1 << 20, "65536 ranks: %d bytes, more than 1 MB" % size
        page = Page(browser, path)
        cells = page.js("return document.querySelectorAll('#grid td.c').length")
        assert 0 < cells <= 4096, "65536 ranks: %d cells" % cells
        browser.click('td.c[data-r="4096"]')
        assert page.js("return document.getElementById('rank-title').textContent") == "Rank 4096 of 65536"
        page.choose_family("tp")
        assert page.js("return document.querySelectorAll('#grid td.member').length") == 1
        page.check_clean("ranks_65536")
        print("65536 ranks: %d bytes (%.1f KB), %d cells" % (size, size / 1024, cells))
    finally:
        browser.quit()


if __name__ == "__main__":
    main()

# Draws an SVG with the ranktopo tool and checks that it is well-formed XML
# with one cell (<rect class="rank">) per rank of each family drawn.
#   -DEXE=path  -DARGS="a|b|c"  -DOUTPUT=file  -DCELLS=n  -DPYTHON=python3
string(REPLACE "|" ";" args "${ARGS}")
file(REMOVE "${OUTPUT}")
execute_process(COMMAND "${EXE}" svg ${args} -o "${OUTPUT}" RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0 OR NOT out STREQUAL "" OR NOT err STREQUAL "")
  message(FATAL_ERROR "ranktopo svg: exit ${code}\nstdout: ${out}\nstderr: ${err}")
endif()
set(check [=[
import sys, xml.dom.minidom
doc = xml.dom.minidom.parse(sys.argv[1])
svg = doc.documentElement
assert svg.tagName == "svg" and svg.getAttribute("xmlns") == "http://www.w3.org/2000/svg", "not an SVG root"
cells = [r for r in doc.getElementsByTagName("rect") if r.getAttribute("class") == "rank"]
numbers = [t for t in doc.getElementsByTagName("text") if t.getAttribute("class") == "n"]
assert len(cells) == int(sys.argv[2]), "%d rank cells, expected %s" % (len(cells), sys.argv[2])
assert len(numbers) == len(cells), "%d rank numbers for %d cells" % (len(numbers), len(cells))
assert all(c.getAttribute("fill").startswith("#") for c in cells), "a cell without a colour"
assert doc.getElementsByTagName("g") and any(g.getAttribute("class") == "legend" for g in doc.getElementsByTagName("g")), "no legend"
# Issue 13: the picture is at least as wide as its title (about 9 px a character
# at 15 px bold, and the margins), each family panel gives every group its own
# colour, draws group borders, and keeps its legend short.
title = [t for t in doc.getElementsByTagName("text") if t.getAttribute("class") == "title"][0]
width = int(svg.getAttribute("width"))
assert width >= 40 + 9 * len(title.firstChild.data), "%d px is narrower than the title" % width
for panel in [g for g in doc.getElementsByTagName("g") if g.getAttribute("class") == "family"]:
    fill_of = {}
    for cell in [r for r in panel.getElementsByTagName("rect") if r.getAttribute("class") == "rank"]:
        group = cell.getElementsByTagName("title")[0].firstChild.data.split("group ")[1].split(",")[0]
        assert fill_of.setdefault(group, cell.getAttribute("fill")) == cell.getAttribute("fill"), "a group in two colours"
    fills = list(fill_of.values())
    assert len(set(fills)) == len(fills), "%s: %d groups share %d colours" % (panel.getAttribute("id"), len(fills), len(set(fills)))
    borders = [p for p in panel.getElementsByTagName("path") if p.getAttribute("class") == "border"]
    assert borders, "%s has no group borders" % panel.getAttribute("id")
    swatches = [r for r in panel.getElementsByTagName("rect") if r.getAttribute("class") == "swatch"]
    assert len(swatches) <= 24, "%s: a legend of %d entries" % (panel.getAttribute("id"), len(swatches))
print("ok: %d cells" % len(cells))
]=])
execute_process(COMMAND "${PYTHON}" -c "${check}" "${OUTPUT}" "${CELLS}" RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "the SVG fails the check:\n${out}${err}")
endif()

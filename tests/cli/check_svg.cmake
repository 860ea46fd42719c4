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
print("ok: %d cells" % len(cells))
]=])
execute_process(COMMAND "${PYTHON}" -c "${check}" "${OUTPUT}" "${CELLS}" RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code EQUAL 0)
  message(FATAL_ERROR "the SVG fails the check:\n${out}${err}")
endif()

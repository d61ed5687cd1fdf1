"""The offline geo tool, `python build.py geo`: regenerates content/geo/ from Statbel's shapefiles.

Apart from the build stages on purpose: the normal build only reads the files this tool writes
(sitegen/register.py, sitegen/geometry.py) and never imports it (tests/test_imports.py).

- generate.py: reading the shapefiles, the register and the topology, writing them; `main`.
- aliases.py: the hand-checked tables of the municipal mergers of 2019 and 2025.
- crossings.py: the check that simplified borders do not cross.
"""

"""Checks executed notebooks: no error output, at least one plot each, and expected text in their outputs.

usage: check_outputs.py DIR [NOTEBOOK=TEXT ...]
"""
import json
import sys
from pathlib import Path


def outputs_text(nb):
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                raise SystemExit(f"error output: {out.get('ename')}: {out.get('evalue')}")
            parts.append("".join(out.get("text", "")))
            for mime, value in out.get("data", {}).items():
                if mime.startswith("text/"):
                    parts.append("".join(value) if isinstance(value, list) else value)
    return "\n".join(parts)


def main(folder, expectations):
    notebooks = sorted(Path(folder).glob("*.ipynb"))
    if not notebooks:
        raise SystemExit(f"no executed notebooks in {folder}")
    texts = {}
    for path in notebooks:
        nb = json.loads(path.read_text())
        texts[path.stem] = outputs_text(nb)
        plots = sum("image/png" in out.get("data", {}) for cell in nb["cells"] for out in cell.get("outputs", []))
        if plots == 0:
            raise SystemExit(f"{path}: no plot in the outputs")
        print(f"{path.name}: {plots} plot(s), no errors")
    for expectation in expectations:
        name, text = expectation.split("=", 1)
        if name not in texts:
            raise SystemExit(f"no executed notebook {name}")
        if text not in texts[name]:
            raise SystemExit(f"{name}: outputs lack {text!r}")
        print(f"{name}: has {text!r}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])

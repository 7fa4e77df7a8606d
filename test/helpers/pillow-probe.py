"""What Pillow makes of each image file named on stdin (one path per line):
one JSON object per line, {"file", "ok", "width", "height", "error"}.
The size is the displayed one (Orientation 5-8 swaps the stored size) of the
first frame, and ok means a full decode (Image.load) succeeded.
Used by pillow-crosscheck.test.ts; needs only Pillow (Debian: python3-pil)."""
import json
import sys
import warnings

from PIL import Image

warnings.simplefilter("ignore")
# The same pixel limit as Photocap's (Pillow's own bomb threshold): above it, Pillow raises.
Image.MAX_IMAGE_PIXELS = 178956970

for line in sys.stdin:
    path = line.rstrip("\n")
    if not path:
        continue
    out = {"file": path, "ok": False, "width": None, "height": None, "error": None}
    try:
        with Image.open(path) as im:
            # The stored size, read before load(): Pillow's libtiff path turns a
            # TIFF by its Orientation tag while loading, other formats do not.
            width, height = im.size
            im.load()
            try:
                orientation = im.getexif().get(0x0112, 1)
            except Exception:
                orientation = 1
            if orientation in (5, 6, 7, 8):
                width, height = height, width
            out.update(ok=True, width=width, height=height)
    except Exception as error:  # Pillow's refusal, whatever its class: the message is the reason
        out["error"] = f"{type(error).__name__}: {error}"
    print(json.dumps(out), flush=True)

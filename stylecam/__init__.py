"""stylecam: real-time webcam and video style transfer."""

__version__ = "0.1.0"

import time as _time

STARTED = _time.monotonic()  # the command's start, as near as Python lets us know it: learn's --minutes count from here

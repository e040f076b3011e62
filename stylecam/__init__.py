"""stylecam: real-time webcam and video style transfer."""

__version__ = "0.1.0"

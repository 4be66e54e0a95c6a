"""The Qt WebEngine host of the rrweb player page."""

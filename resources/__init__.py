"""The app's runtime resources, installed as the package `replay_viewer_resources`.

pyproject.toml maps that package to this folder, so `importlib.resources` finds the same files in a
clone (editable install) and in an installed wheel. `viewer.resources` is the one place that looks
them up. The wheel carries only what the app reads at run time: the player page (`player/`), the
rrweb and rrweb-snapshot files it loads (from `player/node_modules`, installed by npm from the lock
file during the build, never committed), the icon, the desktop entry and the demo replays.
"""

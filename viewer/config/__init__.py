"""The app's configuration files, each option declared once; versioned, upgraded, set aside when damaged."""

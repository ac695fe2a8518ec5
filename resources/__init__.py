"""Icons, the app icon and the sample digest, shipped as package data (``desktop_app.resources``)."""

import os

# pytest-playwright keeps an asyncio loop on the main thread; Django must still allow DB use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Chromium launch options, the skip without Chromium, `shot` and `log_in` for every browser test.
pytest_plugins = ["tests.browser_support"]

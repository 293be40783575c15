import os

# pytest-playwright keeps an asyncio loop on the main thread; Django must still allow DB use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

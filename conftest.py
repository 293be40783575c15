import os

import pytest

# pytest-playwright keeps an asyncio loop on the main thread; Django must still allow DB use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Chromium launch options, the skip without Chromium, `shot` and `log_in` for every browser test.
pytest_plugins = ["tests.browser_support"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts and ends in the site's default language.

    A request in English (LocaleMiddleware) or a `translation.activate` left behind by one test
    must not change the language of texts another test stores or reads.
    """
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)

import pytest

from gipkit.testing.tokens import TokenFactory


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()

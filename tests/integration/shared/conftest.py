from tests.integration.shared.test_messaging import running

__all__ = ["running"]

from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"

    def ready(self):
        from django.core import checks

        from .rendering.fonts import check_font

        # certificates.E001: the embedded certificate font is missing or unusable.
        checks.register(check_font)

"""The rectification ledger (整改台账): findings filed by auditors against organizations, the
measures and evidence of their rectification, who answers for them, and the ledger's exports.

Layout: rules.py (the status machine and who may do what), services.py (every write),
selectors.py (every read, scoped), exports.py (the workbook and the PDF from plain rows),
downloads.py (filters and file responses shared by the API and the pages), apis.py +
serializers.py + urls_api.py (the REST API), views.py + forms.py + urls.py (the pages)."""

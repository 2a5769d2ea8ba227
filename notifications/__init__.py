"""Messages: digests grouped per recipient (``digest``), rendered with the administrator's
templates in a bounded sandbox (``render``, in ``engine.template_sandbox``), delivered once
through the ledger (``ledger``, ``delivery``) by a transport: SMTP or ``.eml`` files (``transport``,
``smtp_settings``, ``outgoing``, ``addresses``).

May import ``engine.store`` (the ledger's tables), ``rules``, ``engine.text`` and
``engine.errors``.
"""

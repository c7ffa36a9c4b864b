"""Bulk exchange with the departments' spreadsheets.

- :mod:`jifen.exchange.spreadsheets` reads CSV and XLSX into rows numbered as the clerk sees them,
  and writes CSV (for Excel) and XLSX with formula-looking cells escaped.
- :mod:`jifen.exchange.verifications` checks a file of verification decisions row by row and applies
  it through :func:`jifen.points.review.decide` in one transaction (or only shows what it would do).
- :mod:`jifen.exchange.exports` builds the tables that leave the platform: a department's review
  queue (the file the clerk fills in and imports back) and the published lists.
- :mod:`jifen.exchange.onboarding` imports a county's existing registrants, confirmed items, family links and
  open applications (sheets: :mod:`jifen.exchange.onboarding_sheets`), all or nothing, after a dry run.
- :mod:`jifen.exchange.kept_uploads` keeps an uploaded file between its dry run and "apply".
"""

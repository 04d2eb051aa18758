"""An event's panel: what happened, the date its sources agree on and how far they agree, and every report of it
side by side (source, date as written, resolved date, basis, the sentence with its time expression
highlighted, links back). Every string from a document goes through `md_text` (markdown) or is escaped HTML.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, editing, groups, labels
from dashboard.components import SOURCES_PAGE, md_text, safe_url
from dashboard.text import STYLE, sentence_html

PER_ROW = 3  # reports side by side: three fit at 1280 px and stay readable
MAX_REPORTS = 12
AGREEMENT_BADGES = {
    "single": ":gray-badge[one source]",
    "agree": ":green-badge[sources agree on the date]",
    "refines": ":orange-badge[one source gives a vaguer date]",
    "conflict": ":red-badge[sources disagree on the date]",
}
BASIS_WORDS = {
    "explicit": "written in the text",
    "citation": "the date of a cited report",
    "relative": "counted from the publication date",
    "anaphoric": "from a date mentioned earlier",
    "publication": "the article's publication date (no date written)",
    "inferred": "inferred",
    "unresolved": "no date",
}


def _published(doc: pd.Series | None) -> str:
    if doc is None or pd.isna(doc["published"]):
        return "publication date unknown"
    when = labels.date_text(doc["published"], doc["published"], str(doc["published_granularity"] or "day"))
    if str(doc["published_granularity"]) == "month":
        when = labels.date_text(doc["published"], doc["published"] + pd.offsets.MonthEnd(0), "month")
    elif str(doc["published_granularity"]) == "year":
        when = str(pd.Timestamp(doc["published"]).year)
    return f"published {when} ({labels.published_basis_text(doc['published_basis'])})"


def event_panel(ds: data.Dataset, key: str, keep: object = None, filters: data.Filters | None = None) -> None:
    """Draw one event (group) with its reports. `keep` (the sidebar's row mask) marks reports the filters hide."""
    editing.show_done()
    at = groups.row_of(ds.groups, key)
    if at is None:
        st.info("This event is not in the store any more (the data changed). Pick another one.")
        return
    event = ds.groups.iloc[at]
    reports = groups.members(ds.events, ds.group_of, ds.groups, key)
    st.html(STYLE)
    with st.container(border=True):
        st.markdown(f"#### {md_text(event['summary'] or '(no summary)')}")
        count = int(event["n_sources"])
        who = f"**{count} sources**" if count > 1 else "**1 source**"
        st.markdown(
            f":blue-badge[{md_text(event['event_type'])}] **{md_text(event['_when'])}** · "
            f"{who}, {len(reports):,} report{'s' if len(reports) != 1 else ''} · "
            f"{AGREEMENT_BADGES.get(str(event['date_agreement']), '')}"
        )
        facts = [f"Date: {md_text(BASIS_WORDS.get(str(event['date_basis']), event['date_basis']))}"]
        given = [labels.reported_date_text(item) for item in event["reported_dates"]]
        if given:
            parts = [
                f"{md_text(text)} ({n} source{'s' if n != 1 else ''}{'' if dated else ', not a calendar date'})"
                for text, n, dated in given
            ]
            facts.append("dates the sources give: " + " · ".join(parts))
        st.caption(" · ".join(facts))
        shown = reports.head(MAX_REPORTS)
        rows = [shown.iloc[i : i + PER_ROW] for i in range(0, len(shown), PER_ROW)]
        by_doc = ds.documents.drop_duplicates("doc_id", keep="last").set_index("doc_id")
        params = data.to_query_params(filters) if filters is not None else {}
        hidden = set()
        if keep is not None:
            passing = ds.events.index[keep]  # type: ignore[index]
            hidden = set(reports.index) - set(passing)
        for part in rows:
            columns = st.columns(PER_ROW)
            for column, (index, report) in zip(columns, part.iterrows(), strict=False):
                with column, st.container(border=True):
                    _report(report, by_doc, params, hidden_by_filters=index in hidden)
                    if ds.editable:
                        doc_id = str(report["doc_id"])
                        editing.report_tools(ds, report, by_doc.loc[doc_id] if doc_id in by_doc.index else None)
        if len(reports) > MAX_REPORTS:
            st.caption(f"Showing {MAX_REPORTS} of {len(reports):,} reports; the Events table lists them all.")
        event_ids = [str(e) for e in reports["event_id"]]
        editing.history(ds, event_ids, sorted({str(d) for d in reports["doc_id"]} & set(by_doc.index.astype(str))))


def _report(report: pd.Series, by_doc: pd.DataFrame, params: dict, *, hidden_by_filters: bool) -> None:
    """One report: source, when its article was published, the date as written and resolved, the sentence."""
    doc_id = str(report["doc_id"])
    doc = by_doc.loc[doc_id] if doc_id in by_doc.index else None
    st.markdown(f"**{md_text(report['source'])}**")
    st.caption(md_text(_published(doc)) + (" · hidden by your filters" if hidden_by_filters else ""))
    written = str(report["time_expression"])
    written_text = f"“{written}”" if written else "no date written"
    basis = BASIS_WORDS.get(str(report["date_basis"]), str(report["date_basis"]))
    confidence = f"{report['confidence']:.0%}" if pd.notna(report["confidence"]) else "n/a"
    st.markdown(
        f"{md_text(written_text)} → **{md_text(report['_when'])}**  \n:gray[{md_text(basis)} · confidence {confidence}]"
    )
    if not report["_dated"] and report["_why_undated"]:
        st.caption(md_text("Undated: " + str(report["_why_undated"])))
    st.html(f'<div class="dl-legend">{sentence_html(str(report["sentence"]), written)}</div>')
    if doc is not None or not report.get("_manual", False):  # an event added by hand may have no stored article
        st.page_link(
            SOURCES_PAGE,
            label="Open the source",
            icon=":material/article:",
            query_params={**params, "doc": doc_id},
        )
    if (link := safe_url(doc["url"] if doc is not None else report.get("_manual_url", ""))) is not None:
        st.link_button("Original article", link, icon=":material/open_in_new:")

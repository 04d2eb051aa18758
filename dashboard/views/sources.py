"""Sources page: an overview comparing sources, or one document with its events and highlighted text."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, data, labels, scaled_pages, scaled_sources
from dashboard.components import column_config, date_label, event_details, md_text, overlap_config, safe_url
from dashboard.sidebar import current_view
from dashboard.text import STYLE, highlight_html, highlight_spans, sentence_html

view = current_view()
ds, filters = view.dataset, view.filters
documents = scaled_pages.documents(view.summary) if view.scaled else ds.documents
title_slot = st.empty()
doc = scaled_sources.document_picker(documents, ds.location, ds.version)

if not doc and view.scaled:  # a large store: the store counts per source (dashboard/scaled_sources.py)
    scaled_sources.sources_overview(view, title_slot)
    st.stop()
if not doc:
    title_slot.title("Sources compared")
    events = view.events
    if events.empty:
        st.info(view.empty_message(), icon=":material/filter_alt_off:")
        st.stop()
    per_source = (
        events.groupby("source")
        .agg(
            events=("event_id", "size"),
            documents=("doc_id", "nunique"),
            first=("date_start", "min"),
            last=("date_end", "max"),
        )
        .sort_values("events", ascending=False)
        .reset_index()
    )
    st.caption(
        f"{len(per_source):,} sources, {events['doc_id'].nunique():,} documents and {len(events):,} events "
        f"match the filters. {view.left_out_text('The filters leave out')}"
    )
    st.subheader("Events per source per year")
    st.plotly_chart(charts.source_year_figure(events), key="src_years", config={"displaylogo": False})
    st.subheader("Which sources cover which stretches of time")
    lo, hi = ds.date_bounds()
    st.plotly_chart(
        charts.coverage_figure(events, x_range=(filters.date_from or lo, filters.date_to or hi)),
        key="src_coverage",
        config={"displaylogo": False},
    )
    st.caption("One cell per month in which a source reports events (darker: more events). Top 15 sources.")
    st.dataframe(
        per_source,
        hide_index=True,
        width="stretch",
        column_config={
            # fixed widths: the whole table fits at 1280 px, long titles are cut rather than pushing columns out
            "source": st.column_config.TextColumn("Source", width=400),
            "events": st.column_config.NumberColumn("Events", format="localized", width=70),
            "documents": st.column_config.NumberColumn("Documents", format="localized", width=85),
            "first": st.column_config.DateColumn("First event starts", format="YYYY-MM-DD", width=125),
            "last": st.column_config.DateColumn("Last event ends", format="YYYY-MM-DD", width=125),
        },
    )

    st.subheader("Where sources meet")
    overlap = data.agreements(events)
    st.caption(
        "Months in which two or more sources report events with the same actor (day-, week- or month-level dates "
        "only). A shared actor and month does not prove it is the same event; 'same kind' means the sources' "
        "events there all have one event type, 'different kinds' that they classify them differently."
    )
    if overlap.empty:
        st.info("No month has two sources reporting on the same actor with the current filters.")
    else:
        shown = overlap.assign(month=overlap["month"].dt.strftime("%Y-%m"))
        picked = st.dataframe(
            shown.drop(columns=["event_ids"]),
            hide_index=True,
            width="stretch",
            key="src_overlap",
            on_select="rerun",
            selection_mode="single-row",
            column_config=overlap_config(),
        )
        rows = picked.selection.rows if picked and picked.selection else []
        if rows:
            ids = overlap.iloc[rows[0]]["event_ids"]
            chosen = events[events["event_id"].isin(ids)].sort_values(["source", "date_start"])
            st.markdown(f"**{len(chosen):,} events side by side**")
            event_details(chosen, documents, filters)
        else:
            st.caption("Select a row to read the sentences side by side.")
    st.stop()

# ---- one document
meta = documents[documents["doc_id"].astype(str) == doc].iloc[0]
title_slot.title(md_text(str(meta["title"] or doc)))
published = meta["published"]
when = (
    f"{date_label(published, published, str(meta['published_granularity']))} "
    f"({'known to the ' + str(meta['published_granularity']) if meta['published_granularity'] else 'precision unknown'}, "
    f"{labels.published_basis_text(meta['published_basis'])})"
    if pd.notna(published)
    else "unknown"
)
when = md_text(when)
st.markdown(
    f"**Outlet:** {md_text(meta['outlet'] or 'unknown')} · **Published:** {when} · **Events:** {int(meta['n_events']):,}"
)
if original := safe_url(meta["url"]):  # only http(s), percent-encoded: no javascript: or markdown injection
    st.link_button("Original article", original, icon=":material/open_in_new:")
if view.scaled:
    all_events, doc_events = scaled_sources.document_events(view, doc)
else:
    in_doc = (ds.events["doc_id"].astype(str) == doc).to_numpy()
    all_events = ds.events[in_doc]
    doc_events = ds.events[in_doc & view.keep]
hidden = len(all_events) - len(doc_events)
st.caption(
    f"{len(doc_events):,} of this document's {len(all_events):,} events pass the filters"
    + (f"; the sidebar filters hide {hidden:,}." if hidden else ".")
)
if len(doc_events):
    if doc_events["_dated"].any():
        lo, hi = doc_events["date_start"].min().date(), doc_events["date_end"].max().date()
        small = charts.timeline_figure(doc_events, "event type", height=200 + 20 * doc_events["event_type"].nunique())
        small.update_xaxes(range=[pd.Timestamp(lo) - pd.Timedelta(days=20), pd.Timestamp(hi) + pd.Timedelta(days=20)])
        small.update_layout(margin={"l": 90})  # lanes are event types: short names
        st.plotly_chart(small, key="src_doc_timeline", config={"displaylogo": False})
    st.dataframe(
        doc_events.sort_values("char_start")[
            [
                "summary",
                "_when_key",
                "time_expression",
                "date_basis",
                "event_type",
                "actors",
                "confidence",
                "granularity",
            ]
        ],
        hide_index=True,
        width="stretch",
        column_config={
            **column_config(),
            "summary": st.column_config.TextColumn("What happened", width="large"),
            "_when_key": st.column_config.TextColumn("When", width=110),
        },
    )

st.subheader("Full text")
text = data.load_text(ds, doc)
st.html(STYLE)
st.html(
    '<div class="dl-legend"><mark class="dl-sentence" style="background: rgba(255,214,10,0.28)">event sentence</mark> '
    '<mark class="dl-timex" style="background: rgba(31,119,180,0.35)">time expression</mark></div>'
)
if text.text is None:
    st.warning(f"{md_text(text.note)} Showing the event sentences only.", icon=":material/description:")
    sentences = all_events.sort_values("char_start").drop_duplicates("sentence")
    spans = [(r.sentence, r.time_expression) for r in sentences.itertuples(index=False)]
    body = "\n\n".join(sentence_html(str(s), str(t)) for s, t in spans)
    st.html(f'<div class="dl-text">{body}</div>')
else:
    sentence_spans, timex_spans, missing = highlight_spans(text.text, all_events)
    st.caption(md_text(text.note) + (f" {missing:,} event sentences were not found in it." if missing else ""))
    st.html(f'<div class="dl-text">{highlight_html(text.text, sentence_spans, timex_spans)}</div>')

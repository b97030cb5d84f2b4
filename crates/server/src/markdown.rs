//! Markdown as HTML, for every page that shows text people wrote in Markdown (postmortems,
//! status page updates, previews).

/// Renders Markdown to HTML that cannot carry script: raw HTML is dropped, dangerous link
/// schemes (`javascript:`, non-image `data:`) are removed.
pub fn to_html(md: &str) -> String {
    let mut o = comrak::Options::default();
    o.extension.table = true;
    o.extension.strikethrough = true;
    o.extension.autolink = true;
    o.extension.tasklist = true;
    o.extension.footnotes = true;
    o.render.r#unsafe = false;
    comrak::markdown_to_html(md, &o)
}

//! Reading pages: CSS selections and their text.

use scraper::{Html, Selector};

pub fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    let sel = Selector::parse(css).expect("valid selector");
    doc.select(&sel).collect()
}

pub fn text_of(el: &scraper::ElementRef) -> String {
    el.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Text of every element matching `css`.
pub fn texts(doc: &Html, css: &str) -> Vec<String> {
    select(doc, css).iter().map(text_of).collect()
}

//! A small page-description layer over `pdf-writer`: US Letter pages, the built-in
//! Helvetica, Helvetica-Bold and Courier fonts (WinAnsi, never embedded), text, lines and
//! boxes, and word wrapping measured with the Helvetica metrics.
//!
//! Coordinates are in points from the **top-left** corner (the PDF origin is bottom-left;
//! this layer flips it), which is how forms and letters are measured. Text is reduced to
//! printable ASCII: the built-in fonts cannot show anything else reliably.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

/// US Letter width in points.
pub const PAGE_WIDTH: f32 = 612.0;
/// US Letter height in points.
pub const PAGE_HEIGHT: f32 = 792.0;

/// A built-in font.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    /// Helvetica.
    Regular,
    /// Helvetica-Bold.
    Bold,
    /// Courier (fixed pitch: 0.6 em per character).
    Mono,
}

impl Font {
    fn name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
            Font::Mono => Name(b"F3"),
        }
    }

    /// Width of `text` at `size` points.
    pub fn width(self, text: &str, size: f32) -> f32 {
        let units: u32 = text
            .bytes()
            .map(|b| match self {
                Font::Mono => 600,
                Font::Regular => glyph_width(&HELVETICA, b),
                Font::Bold => glyph_width(&HELVETICA_BOLD, b),
            })
            .sum();
        units as f32 * size / 1000.0
    }
}

fn glyph_width(table: &[u16; 95], b: u8) -> u32 {
    let idx = usize::from(b.saturating_sub(32));
    u32::from(table.get(idx).copied().unwrap_or(556))
}

/// Helvetica advance widths (AFM, 1/1000 em) for ASCII 32..=126.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// Helvetica-Bold advance widths (AFM, 1/1000 em) for ASCII 32..=126.
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

/// Reduces text to printable ASCII: common typographic characters become their ASCII
/// look-alikes, anything else `?`; control characters become spaces.
pub fn ascii(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c,
            '\u{2018}' | '\u{2019}' => '\'',
            '\u{201c}' | '\u{201d}' => '"',
            '\u{2013}' | '\u{2014}' => '-',
            '\u{2265}' => '>',
            c if c.is_control() => ' ',
            _ => '?',
        })
        .collect()
}

/// Splits `text` into lines no wider than `width` points (a word longer than the width
/// gets a line of its own).
pub fn wrap(text: &str, font: Font, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in ascii(text).split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if font.width(&candidate, size) <= width || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// An RGB colour, 0.0 to 1.0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub f32, pub f32, pub f32);

/// Black.
pub const BLACK: Rgb = Rgb(0.0, 0.0, 0.0);

/// A document being drawn, one page at a time.
#[derive(Default)]
pub struct Doc {
    pages: Vec<Content>,
}

impl Doc {
    /// Starts a new page; drawing goes to it.
    pub fn new_page(&mut self) {
        self.pages.push(Content::new());
    }

    fn page(&mut self) -> &mut Content {
        if self.pages.is_empty() {
            self.new_page();
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Number of pages so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Text with its baseline at `(x, y)` from the top-left.
    pub fn text(&mut self, x: f32, y: f32, font: Font, size: f32, colour: Rgb, text: &str) {
        let text = ascii(text);
        if text.trim().is_empty() {
            return;
        }
        let page = self.page();
        page.set_fill_rgb(colour.0, colour.1, colour.2);
        page.begin_text();
        page.set_font(font.name(), size);
        page.next_line(x, PAGE_HEIGHT - y);
        page.show(Str(text.as_bytes()));
        page.end_text();
    }

    /// Text ending at `x` (right-aligned).
    pub fn text_right(&mut self, x: f32, y: f32, font: Font, size: f32, colour: Rgb, text: &str) {
        let w = font.width(&ascii(text), size);
        self.text(x - w, y, font, size, colour, text);
    }

    /// Text centred on `x`.
    pub fn text_centre(&mut self, x: f32, y: f32, font: Font, size: f32, colour: Rgb, text: &str) {
        let w = font.width(&ascii(text), size);
        self.text(x - w / 2.0, y, font, size, colour, text);
    }

    /// A straight line.
    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, colour: Rgb) {
        let page = self.page();
        page.set_stroke_rgb(colour.0, colour.1, colour.2);
        page.set_line_width(width);
        page.move_to(from.0, PAGE_HEIGHT - from.1);
        page.line_to(to.0, PAGE_HEIGHT - to.1);
        page.stroke();
    }

    /// A rectangle outline; `(x, y)` is its top-left corner.
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32, colour: Rgb) {
        let page = self.page();
        page.set_stroke_rgb(colour.0, colour.1, colour.2);
        page.set_line_width(width);
        page.rect(x, PAGE_HEIGHT - y - h, w, h);
        page.stroke();
    }

    /// A filled rectangle; `(x, y)` is its top-left corner.
    pub fn fill(&mut self, x: f32, y: f32, w: f32, h: f32, colour: Rgb) {
        let page = self.page();
        page.set_fill_rgb(colour.0, colour.1, colour.2);
        page.rect(x, PAGE_HEIGHT - y - h, w, h);
        page.fill_nonzero();
    }

    /// The finished PDF file.
    pub fn finish(mut self, title: &str) -> Vec<u8> {
        if self.pages.is_empty() {
            self.new_page();
        }
        let mut pdf = Pdf::new();
        let catalog_id = Ref::new(1);
        let tree_id = Ref::new(2);
        let info_id = Ref::new(3);
        let fonts = [
            (Ref::new(4), Font::Regular, &b"Helvetica"[..]),
            (Ref::new(5), Font::Bold, &b"Helvetica-Bold"[..]),
            (Ref::new(6), Font::Mono, &b"Courier"[..]),
        ];
        let first_page = 7;
        let n = self.pages.len() as i32;
        let page_ids: Vec<Ref> = (0..n).map(|i| Ref::new(first_page + 2 * i)).collect();

        pdf.catalog(catalog_id).pages(tree_id);
        pdf.pages(tree_id).kids(page_ids.iter().copied()).count(n);
        pdf.document_info(info_id)
            .title(pdf_writer::TextStr(&ascii(title)))
            .producer(pdf_writer::TextStr("otbill"));
        for (id, _, base) in fonts {
            pdf.type1_font(id)
                .base_font(Name(base))
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        for (i, content) in self.pages.into_iter().enumerate() {
            let page_id = page_ids[i];
            let content_id = Ref::new(page_id.get() + 1);
            let mut page = pdf.page(page_id);
            page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
            page.parent(tree_id);
            page.contents(content_id);
            let mut resources = page.resources();
            let mut font_dict = resources.fonts();
            for (id, font, _) in fonts {
                font_dict.pair(font.name(), id);
            }
            font_dict.finish();
            resources.finish();
            page.finish();
            pdf.stream(content_id, &content.finish());
        }
        pdf.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_respects_the_width() {
        let text = "The services were reasonable and necessary skilled occupational therapy.";
        let lines = wrap(text, Font::Regular, 10.0, 150.0);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(Font::Regular.width(l, 10.0) <= 150.0, "{l}");
        }
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn widths_use_the_metrics() {
        assert_eq!(Font::Mono.width("ABCDEFGHIJ", 12.0), 72.0);
        assert!((Font::Regular.width("i", 10.0) - 2.22).abs() < 1e-4);
        assert!(Font::Bold.width("Medicare", 10.0) > Font::Regular.width("Medicare", 10.0));
    }

    #[test]
    fn non_ascii_text_is_reduced() {
        assert_eq!(
            ascii("Ren\u{e9}e \u{2019}s \u{2014} ok\n"),
            "Ren?e 's - ok "
        );
    }

    #[test]
    fn a_document_is_a_pdf() {
        let mut doc = Doc::default();
        doc.text(72.0, 72.0, Font::Regular, 12.0, BLACK, "Hello (world)");
        doc.new_page();
        doc.rect(10.0, 10.0, 20.0, 20.0, 1.0, BLACK);
        assert_eq!(doc.page_count(), 2);
        let bytes = doc.finish("t");
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/Count 2"), "{text}");
        assert!(text.contains("/BaseFont /Courier"), "{text}");
    }
}

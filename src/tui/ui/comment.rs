//! The comment composer (multi-line, or `$EDITOR`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

use super::super::action::Action;
use super::super::popup::CommentComposer;
use super::super::state::State;
use super::widgets::{centered, hint, popup_block};

pub fn render(state: &State, f: &mut Frame, screen: Rect, c: &CommentComposer) {
    let t = &state.theme;
    let area = centered(screen, 72, 12);
    f.render_widget(Clear, area);
    let title = match c.targets.as_slice() {
        [one] => format!(" Comment on {} ", one.id),
        many => {
            let ids: Vec<String> = many.iter().map(|k| k.id.clone()).collect();
            format!(
                " Comment on {} anomalies: {} ",
                ids.len(),
                super::super::text::id_list(&ids, 4)
            )
        }
    };
    let block = popup_block(title, t);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [text, help] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    if c.editing.is_some() {
        f.render_widget(Paragraph::new("editing in $EDITOR…").style(t.dim), text);
    } else {
        f.render_widget(&c.text, text);
    }
    let k = &state.keymap;
    let mut hints = hint(k.first_key(Action::Submit), "save", t);
    hints.extend(hint(k.first_key(Action::Editor), "$EDITOR", t));
    hints.extend(hint(k.first_key(Action::Cancel), "cancel", t));
    f.render_widget(Paragraph::new(Line::from(hints)), help);
    if c.confirm_discard {
        super::confirm::discard(state, f, screen, "comment");
    }
}

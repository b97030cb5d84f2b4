//! A status page's layout (admins): components listed by group, moved up and down within and
//! across groups, removed; groups renamed, moved and removed (their components move to no
//! group).
//!
//! The page shows components in position order, each group where its first component is, so
//! the layout is a list of sections (a group, or the ungrouped ones), each contiguous. Every
//! change works on those sections and writes the positions back in one transaction.

use crate::auth::Actor;
use crate::{AppError, AppState};
use debrief_core::access::AccountRole;
use debrief_core::validation::{ValidationError, required_text};
use debrief_store::status_page::{Component, StatusPage};

/// A run of components shown together: a group, or (`None`) the ungrouped ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// The group's name.
    pub group: Option<String>,
    /// Its components, in order.
    pub components: Vec<Component>,
}

/// Components (in position order) as sections, each group where its first component is.
pub fn sections(components: Vec<Component>) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    for c in components {
        match out.iter_mut().find(|s| s.group == c.group) {
            Some(s) => s.components.push(c),
            None => out.push(Section {
                group: c.group.clone(),
                components: vec![c],
            }),
        }
    }
    out
}

/// Which way to move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Towards the top.
    Up,
    /// Towards the bottom.
    Down,
}

impl Direction {
    /// `up` or `down`.
    pub fn parse(raw: &str) -> Result<Direction, AppError> {
        match raw {
            "up" => Ok(Direction::Up),
            "down" => Ok(Direction::Down),
            _ => {
                let mut e = ValidationError::default();
                e.push("direction", "must be up or down");
                Err(e.into())
            }
        }
    }
}

/// Moves a component one place; at the edge of its section it joins the neighbouring section
/// (and its group). `false` when it cannot move further.
pub fn move_component(sections: &mut [Section], id: i64, dir: Direction) -> bool {
    let Some((si, ci)) = sections.iter().enumerate().find_map(|(si, s)| {
        s.components
            .iter()
            .position(|c| c.id == id)
            .map(|ci| (si, ci))
    }) else {
        return false;
    };
    let len = sections[si].components.len();
    match dir {
        Direction::Up if ci > 0 => sections[si].components.swap(ci, ci - 1),
        Direction::Down if ci + 1 < len => sections[si].components.swap(ci, ci + 1),
        Direction::Up if si > 0 => {
            let mut c = sections[si].components.remove(ci);
            c.group = sections[si - 1].group.clone();
            sections[si - 1].components.push(c);
        }
        Direction::Down if si + 1 < sections.len() => {
            let mut c = sections[si].components.remove(ci);
            c.group = sections[si + 1].group.clone();
            sections[si + 1].components.insert(0, c);
        }
        _ => return false,
    }
    true
}

/// The sections' components as `(id, group, position)`, positions from 1.
fn layout(sections: &[Section]) -> Vec<(i64, Option<String>, i64)> {
    sections
        .iter()
        .flat_map(|s| s.components.iter())
        .zip(1..)
        .map(|(c, p)| (c.id, c.group.clone(), p))
        .collect()
}

async fn load(
    state: &AppState,
    actor: &Actor,
    slug: &str,
) -> Result<(StatusPage, Vec<Section>), AppError> {
    actor.require(AccountRole::Admin)?;
    let page = state.store.page_by_slug(slug).await?;
    let components = state.store.components(page.id).await?;
    Ok((page, sections(components)))
}

async fn save(state: &AppState, page: &StatusPage, s: &[Section]) -> Result<(), AppError> {
    let now = state.clock.now();
    state
        .store
        .arrange_components(page.id, &layout(s), now)
        .await?;
    state.status.refresh(&page.slug).await?;
    Ok(())
}

fn not_on_page(what: &str, slug: &str) -> AppError {
    AppError::NotFound(format!("{what} on '{slug}'"))
}

/// Moves a component up or down the page (admins).
pub async fn move_one(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    id: i64,
    dir: Direction,
) -> Result<(), AppError> {
    let (page, mut s) = load(state, actor, slug).await?;
    if !s.iter().any(|x| x.components.iter().any(|c| c.id == id)) {
        return Err(not_on_page(&format!("component {id}"), slug));
    }
    move_component(&mut s, id, dir);
    save(state, &page, &s).await
}

fn section_of(s: &[Section], group: &str, slug: &str) -> Result<usize, AppError> {
    s.iter()
        .position(|x| x.group.as_deref() == Some(group))
        .ok_or_else(|| not_on_page(&format!("group '{group}'"), slug))
}

/// Moves a group (with its components) above or below its neighbour (admins).
pub async fn move_group(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    group: &str,
    dir: Direction,
) -> Result<(), AppError> {
    let (page, mut s) = load(state, actor, slug).await?;
    let i = section_of(&s, group, slug)?;
    match dir {
        Direction::Up if i > 0 => s.swap(i, i - 1),
        Direction::Down if i + 1 < s.len() => s.swap(i, i + 1),
        _ => {}
    }
    save(state, &page, &s).await
}

/// Renames a group; a name another group has merges the two (admins).
pub async fn rename_group(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    group: &str,
    new_name: &str,
) -> Result<(), AppError> {
    let (page, mut s) = load(state, actor, slug).await?;
    let i = section_of(&s, group, slug)?;
    let mut e = ValidationError::default();
    let name = required_text(&mut e, "group_name", new_name, 200);
    e.into_result(())?;
    for c in &mut s[i].components {
        c.group = Some(name.clone());
    }
    // The renamed group keeps its place; a group it merged into gathers where it first was.
    let s = sections(s.into_iter().flat_map(|x| x.components).collect());
    save(state, &page, &s).await
}

/// Removes a group: its components stay, with no group, after the other ungrouped ones
/// (admins).
pub async fn remove_group(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    group: &str,
) -> Result<(), AppError> {
    let (page, mut s) = load(state, actor, slug).await?;
    let i = section_of(&s, group, slug)?;
    let mut moved = s.remove(i).components;
    for c in &mut moved {
        c.group = None;
    }
    match s.iter_mut().find(|x| x.group.is_none()) {
        Some(x) => x.components.extend(moved),
        None => s.push(Section {
            group: None,
            components: moved,
        }),
    }
    save(state, &page, &s).await
}

/// Removes a component from the page (admins). Past updates keep naming it; it leaves the
/// public page, its documents and the publish form.
pub async fn remove_component(
    state: &AppState,
    actor: &Actor,
    slug: &str,
    id: i64,
) -> Result<(), AppError> {
    actor.require(AccountRole::Admin)?;
    let page = state.store.page_by_slug(slug).await?;
    let c = state.store.component(id).await?;
    if c.page_id != page.id {
        return Err(not_on_page(&format!("component {id}"), slug));
    }
    state.store.remove_component(&c, state.clock.now()).await?;
    state.status.refresh(slug).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: i64, group: Option<&str>) -> Component {
        Component {
            id,
            page_id: 1,
            name: format!("c{id}"),
            description: None,
            group: group.map(String::from),
            position: id,
            services: Vec::new(),
            state: "operational".into(),
            created_at: jiff::Timestamp::UNIX_EPOCH,
            updated_at: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    fn ids(s: &[Section]) -> Vec<(Option<String>, Vec<i64>)> {
        s.iter()
            .map(|x| (x.group.clone(), x.components.iter().map(|c| c.id).collect()))
            .collect()
    }

    #[test]
    fn a_component_moves_within_then_across_groups() {
        let mut s = sections(vec![c(1, Some("A")), c(2, Some("A")), c(3, Some("B"))]);
        assert!(move_component(&mut s, 2, Direction::Up));
        assert_eq!(ids(&s)[0].1, [2, 1]);
        assert!(move_component(&mut s, 1, Direction::Down));
        assert_eq!(ids(&s)[1], (Some("B".into()), vec![1, 3]));
        assert_eq!(s[1].components[0].group.as_deref(), Some("B"));
        assert!(!move_component(&mut s, 3, Direction::Down));
        assert_eq!(layout(&s)[1], (1, Some("B".into()), 2));
    }

    #[test]
    fn a_group_gathers_its_components_where_its_first_one_is() {
        let s = sections(vec![c(1, Some("A")), c(2, None), c(3, Some("A"))]);
        assert_eq!(ids(&s), [(Some("A".into()), vec![1, 3]), (None, vec![2])]);
    }
}

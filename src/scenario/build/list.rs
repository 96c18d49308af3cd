//! What only a list has: filters on query parameters, the order of records, pagination, and
//! `via` (records referenced from another resource).

use crate::error::LoadError;
use crate::scenario::build::Builder;
use crate::scenario::format::{Direction, NamedOrder, RawFilter, RawOrder, RawPagination, RawVia};
use crate::scenario::model::{Filter, Matching, Order, PageStyle, Pagination, Resource, Via};

impl Builder<'_> {
    /// Filters: each compares at least one field (JSON pointers) with a query parameter, except
    /// `match: present`, which reads none.
    pub(super) fn filters(&self, at: &str, raw: Vec<RawFilter>) -> Result<Vec<Filter>, LoadError> {
        let mut filters = Vec::new();
        for (i, raw) in raw.into_iter().enumerate() {
            let pointer = format!("{at}/filters/{i}");
            let fields: Vec<String> = raw.field.into_iter().chain(raw.fields).collect();
            if fields.is_empty() {
                return Err(self.invalid(&pointer, "needs `field` or `fields`"));
            }
            for field in &fields {
                self.pointer(field, &pointer)?;
            }
            let matching = raw.matching.unwrap_or(Matching::Equals);
            if (matching == Matching::Present) != raw.query.is_none() {
                return Err(self.invalid(
                    &pointer,
                    "`query` names the parameter compared; only `match: present` goes without one",
                ));
            }
            filters.push(Filter { query: raw.query, fields, matching });
        }
        Ok(filters)
    }

    /// The order of records (oldest first unless told).
    pub(super) fn order(&self, at: &str, raw: Option<RawOrder>) -> Result<Order, LoadError> {
        Ok(match raw {
            None | Some(RawOrder::Named(NamedOrder::OldestFirst)) => Order::OldestFirst,
            Some(RawOrder::Named(NamedOrder::NewestFirst)) => Order::NewestFirst,
            Some(RawOrder::Field { field, direction }) => Order::Field {
                field: self.pointer(&field, &format!("{at}/order"))?,
                descending: direction == Direction::Desc,
            },
        })
    }

    /// `via`: the referencing resource exists; its `where` values are templates.
    pub(super) fn via(
        &self,
        at: &str,
        raw: RawVia,
        resources: &[Resource],
    ) -> Result<Via, LoadError> {
        let pointer = format!("{at}/via");
        self.check_defined(resources, &raw.resource, &pointer)?;
        let filter = raw
            .filter
            .iter()
            .map(|(field, text)| Ok((field.clone(), self.text_template(text, &pointer)?)))
            .collect::<Result<_, LoadError>>()?;
        Ok(Via { resource: raw.resource, filter, field: raw.field })
    }
}

/// Pagination as the file says it, with the style's default position parameter (`page` or
/// `cursor`) and page sizes of at least 1.
pub(super) fn pagination(p: RawPagination) -> Pagination {
    let default_position = if p.style == PageStyle::Page { "page" } else { "cursor" };
    let position = match p.style {
        PageStyle::Page => p.page,
        _ => p.cursor,
    };
    Pagination {
        style: p.style,
        limit_query: p.limit.query,
        default_limit: p.limit.default.max(1),
        max_limit: p.limit.max.max(1),
        position_query: position.map_or_else(|| default_position.to_owned(), |q| q.query),
    }
}

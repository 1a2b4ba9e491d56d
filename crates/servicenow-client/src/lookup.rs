//! Lookups for ticket forms and `doctor`: choices, groups, users, the signed-in user (§10).

use crate::client::Client;
use crate::error::Error;
use crate::query::Query;
use crate::table::{DisplayValue, ListParams};
use crate::value::Record;

/// Tables that extend `task`: their task-inherited fields (impact, urgency, priority, state …)
/// may have their choices defined under `name=task`.
const TASK_TABLES: &[&str] = &[
    "task",
    "incident",
    "problem",
    "change_request",
    "sc_request",
    "sc_req_item",
    "sc_task",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub label: String,
    pub value: String,
    pub sequence: Option<i64>,
    pub dependent_value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub sys_id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub sys_id: String,
    pub user_name: String,
    pub name: String,
    pub email: String,
    pub active: bool,
}

/// Who the configured credentials act as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `None` when the user record is not readable (or, for client credentials, unknown).
    pub user: Option<User>,
    /// Role names; `None` when `sys_user_has_role` is not readable or does not exist.
    pub roles: Option<Vec<String>>,
}

fn user_from(r: &Record) -> User {
    User {
        sys_id: r.str("sys_id").to_string(),
        user_name: r.str("user_name").to_string(),
        name: r.str("name").to_string(),
        email: r.str("email").to_string(),
        active: r.str("active") != "false",
    }
}

const USER_FIELDS: &[&str] = &["sys_id", "user_name", "name", "email", "active"];

fn raw_params(fields: &[&str]) -> ListParams {
    ListParams::new()
        .fields(fields)
        .display(DisplayValue::False)
        .exclude_reference_link(true)
}

impl Client {
    /// Active choices for `table.element` in English, ordered by sequence (§10). For task tables
    /// the query also reads `name=task` rows and uses the table's own rows when it has any.
    pub async fn choices(
        &self,
        table: &str,
        element: &str,
        dependent_value: Option<&str>,
    ) -> Result<Vec<Choice>, Error> {
        let inherits = table != "task" && TASK_TABLES.contains(&table);
        let mut q = Query::new().eq("name", table);
        if inherits {
            q = q.or_eq("name", "task");
        }
        q = q
            .eq("element", element)
            .eq("inactive", "false")
            .eq("language", "en");
        if let Some(dep) = dependent_value {
            q = q.eq("dependent_value", dep);
        }
        let params = raw_params(&["name", "label", "value", "sequence", "dependent_value"])
            .query(q.order_by("sequence"));
        let rows = self.list_all("sys_choice", &params).await?;
        // A choice list defined on the table itself replaces the inherited one.
        let own = rows.iter().any(|r| r.str("name") == table);
        Ok(rows
            .iter()
            .filter(|r| !own || r.str("name") == table)
            .map(|r| Choice {
                label: r.str("label").to_string(),
                value: r.str("value").to_string(),
                sequence: r.str("sequence").trim().parse().ok(),
                dependent_value: Some(r.str("dependent_value"))
                    .filter(|d| !d.is_empty())
                    .map(str::to_string),
            })
            .collect())
    }

    /// An active group by exact name or sys_id.
    pub async fn find_group(&self, name_or_sys_id: &str) -> Result<Option<Group>, Error> {
        let v = name_or_sys_id.trim();
        let params = raw_params(&["sys_id", "name"])
            .query(
                Query::new()
                    .eq("active", "true")
                    .eq("name", v)
                    .or_eq("sys_id", v),
            )
            .limit(1);
        let page = self.list("sys_user_group", &params).await?;
        Ok(page.records.first().map(|r| Group {
            sys_id: r.str("sys_id").to_string(),
            name: r.str("name").to_string(),
        }))
    }

    /// A user by user_name or sys_id.
    pub async fn find_user(&self, user_name_or_sys_id: &str) -> Result<Option<User>, Error> {
        let v = user_name_or_sys_id.trim();
        let params = raw_params(USER_FIELDS)
            .query(Query::new().eq("user_name", v).or_eq("sys_id", v))
            .limit(1);
        let page = self.list("sys_user", &params).await?;
        Ok(page.records.first().map(user_from))
    }

    /// The configured user and, when readable, its roles. Auth and transport errors propagate;
    /// an unreadable or missing `sys_user_has_role` only leaves `roles` empty.
    pub async fn describe_self(&self) -> Result<Identity, Error> {
        let user = match self.username() {
            Some(name) => self.find_user(name).await?,
            None => self.current_user_by_script().await?,
        };
        let roles = match &user {
            Some(u) => self.roles_of(&u.sys_id).await,
            None => None,
        };
        Ok(Identity { user, roles })
    }

    /// For client credentials there is no configured name: ask the server who we are.
    async fn current_user_by_script(&self) -> Result<Option<User>, Error> {
        let params = raw_params(USER_FIELDS)
            .query(Query::new().raw("sys_id=javascript:gs.getUserID()"))
            .limit(2);
        let page = self.list("sys_user", &params).await?;
        // A server that does not evaluate the script matches nothing or ignores the term.
        Ok(match page.records.as_slice() {
            [one] => Some(user_from(one)),
            _ => None,
        })
    }

    async fn roles_of(&self, user_sys_id: &str) -> Option<Vec<String>> {
        let params = ListParams::new()
            .query(Query::new().eq("user", user_sys_id).eq("state", "active"))
            .fields(&["role"])
            .display(DisplayValue::All)
            .exclude_reference_link(true);
        match self.list_all("sys_user_has_role", &params).await {
            Ok(rows) => {
                let mut names: Vec<String> = rows
                    .iter()
                    .filter_map(|r| r.display("role"))
                    .filter(|n| !n.is_empty())
                    .map(str::to_string)
                    .collect();
                names.sort();
                names.dedup();
                Some(names)
            }
            Err(e) => {
                tracing::debug!(error = %e, "roles not readable");
                None
            }
        }
    }
}

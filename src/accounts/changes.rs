//! Changing accounts once they exist: a new password, an account removed, a survey taken back.
//! Each is audited, with the command line (or the admin) as the actor.

use super::{password, store, Account, Accounts, AccountsError, Email, Password, Role};
use crate::audit::{self, AuditAction, AuditEvent};
use crate::storage::accounts::UserDeletion;

impl Accounts {
    /// Sets a new password for an account, signs it out everywhere and lifts a lock-out.
    pub fn reset_password(
        &self,
        email: &Email,
        new: &Password,
        actor: &str,
    ) -> Result<Account, AccountsError> {
        let account = self.existing(email)?;
        let hash = password::hash(new)?;
        store::replace_password(&mut *self.db.conn()?, &account.id, &hash)?;
        self.audit(actor, AuditAction::PasswordReset, None, &account.email)?;
        Ok(account)
    }

    /// Deletes an account and its grants; its sessions end at once. The last admin is kept, so
    /// that someone can still manage accounts from the web and download every result set.
    pub fn remove(&self, email: &Email, actor: &str) -> Result<Account, AccountsError> {
        let account = self.existing(email)?;
        let admin = Role::Admin.name();
        match store::delete_user(&mut *self.db.conn()?, &account.id, admin)? {
            UserDeletion::Deleted => {}
            UserDeletion::LastOfItsRole => return Err(AccountsError::LastAdmin(account.email)),
            UserDeletion::NoSuchUser => {
                return Err(AccountsError::UnknownEmail(account.email));
            }
        }
        let detail = format!("{} ({})", account.email, account.role);
        self.audit(actor, AuditAction::UserRemoved, None, &detail)?;
        Ok(account)
    }

    /// Takes a survey back from an evaluator; whether they had it.
    pub fn revoke(
        &self,
        email: &Email,
        survey_id: &str,
        actor: &str,
    ) -> Result<bool, AccountsError> {
        let account = self.existing(email)?;
        let had = store::delete_grant(&mut *self.db.conn()?, &account.id, survey_id)?;
        if had {
            let detail = format!("{} may no longer download the result sets", account.email);
            self.audit(actor, AuditAction::Revoke, Some(survey_id), &detail)?;
        }
        Ok(had)
    }

    fn existing(&self, email: &Email) -> Result<Account, AccountsError> {
        self.find(email)?
            .ok_or_else(|| AccountsError::UnknownEmail(email.as_str().to_owned()))
    }

    fn audit(
        &self,
        actor: &str,
        action: AuditAction,
        survey_id: Option<&str>,
        detail: &str,
    ) -> Result<(), AccountsError> {
        audit::record(
            &self.db,
            AuditEvent {
                actor,
                action,
                survey_id,
                manifest_sha256: None,
                detail: detail.to_owned(),
            },
        )?;
        Ok(())
    }
}

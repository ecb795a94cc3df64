namespace Gateway.Auth.Security;

/// <summary>The outcome of <see cref="PasswordHasher.VerifyAsync"/>.</summary>
internal enum PasswordVerification
{
    /// <summary>No user, a wrong password, or a stored value this service cannot read.</summary>
    Failed,

    /// <summary>The right password, hashed with the current parameters.</summary>
    Succeeded,

    /// <summary>
    /// The right password, hashed with other parameters (an older iteration count or algorithm):
    /// the caller should store a new hash while it holds the password.
    /// </summary>
    SucceededRehashNeeded,
}

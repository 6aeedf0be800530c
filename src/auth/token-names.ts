/** What a token's name may be: it is shown in lists and recorded as the actor of every action. */
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._@:-]{0,63}$/;

export const TOKEN_NAME_RULE = '1-64 characters: letters, digits, space and . _ @ : -, starting with a letter or digit';

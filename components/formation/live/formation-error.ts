// The error of a formation step that cannot go on without a person: it says what was found and
// what to do. A module of its own so that roles, drain and formation all throw it without
// importing one another.
export class FormationError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "FormationError";
    }
}

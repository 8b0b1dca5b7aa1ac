// Preact runs effects and unmount clean-ups after paint (requestAnimationFrame, or a 35 ms timer):
// let those finish while the test file's window still exists, so none fires after jsdom is gone.
import { afterAll } from "vitest";

afterAll(() => new Promise((resolve) => setTimeout(resolve, 80)));

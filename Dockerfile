# Build stage: compile TypeScript with the dev dependencies, then drop them.
FROM node:26-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: production dependencies, compiled code, the ledger's migrations, the menu files and the
# browser phone only; runs as `node`.
FROM node:26-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# Applied at start-up (src/db/migrate.ts reads them from ../migrations beside dist/).
COPY --chown=node:node migrations ./migrations
COPY --chown=node:node menus ./menus
# The browser phone, served only with SIMULATOR=on in production.
COPY --chown=node:node web ./web
USER node
EXPOSE 3000
# Node has fetch built in: no curl needed in the slim image.
HEALTHCHECK --interval=15s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node directly (not npm) so SIGTERM reaches the process and it stops cleanly.
CMD ["node", "dist/main.js"]
